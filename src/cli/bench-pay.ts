// `saoma bench pay` flags, checked and turned into the options the payment bench takes. The bench
// itself (src/bench/pay-bench.ts, which forks a server and a load process) loads when it runs.
import type { Command } from 'commander';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../merchant/signature.js';
import { parseInteger } from '../shared/config.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { StoreKind } from '../store/store.js';

/**
 * Exit code when a run failed a request, an audit, the notification count or (with --deliver) a
 * webhook's delivery (as `saoma audit`'s 1).
 */
const EXIT_BENCH_FAILED = 1;

/** What `runPayBench` in src/bench/pay-bench.ts takes (less the output stream). */
export interface PayBenchFlagsParsed {
  stores: StoreKind[];
  postgresUrl?: string;
  payments: number;
  concurrency: number;
  payers: number;
  merchants: number;
  runs: number;
  /** The merchants' apps' keys: RSA-2048 (as Alipay's RSA2 and WeChat Pay merchants use) or Ed25519. */
  keyAlgorithm: KeyAlgorithm;
  /** Run the notifier, delivering every webhook to a receiver, instead of only queueing notifications. */
  deliver: boolean;
  json: boolean;
  sqlitePath?: string;
}

/** Commander's view of the flags: every value still a string. */
export interface PayBenchFlags {
  store?: string;
  postgres?: string;
  payments: string;
  concurrency: string;
  payers: string;
  merchants: string;
  runs: string;
  key?: string;
  deliver?: boolean;
  json?: boolean;
  sqlitePath?: string;
}

export const PAY_BENCH_DEFAULTS = {
  payments: '20000',
  concurrency: '64',
  payers: '256',
  merchants: '16',
  runs: '3',
  key: 'rsa',
} as const;

/** The same ranges as PAY_BENCH_LIMITS in src/bench/pay-bench.ts, which checks them again. */
const RANGES = {
  payments: [1, 10_000_000],
  concurrency: [1, 4_096],
  payers: [1, 1_000_000],
  merchants: [1, 100_000],
  runs: [1, 99],
} as const;

export function registerPayBenchCommand(bench: Command): void {
  bench
    .command('pay')
    .description('measure end-to-end merchant payments per second over HTTP on each store, against the HTTP floor')
    .option('--store <list>', 'sqlite, postgres or both (default sqlite, plus postgres when a URL is known)')
    .option('--postgres <url>', 'PostgreSQL server (or SAOMA_BENCH_POSTGRES / SAOMA_TEST_POSTGRES)')
    .option('--payments <n>', 'timed payments per run', PAY_BENCH_DEFAULTS.payments)
    .option('--concurrency <n>', 'payment loops, each one payment at a time', PAY_BENCH_DEFAULTS.concurrency)
    .option('--payers <n>', 'wallet users paying', PAY_BENCH_DEFAULTS.payers)
    .option('--merchants <n>', 'merchants collecting', PAY_BENCH_DEFAULTS.merchants)
    .option('--runs <n>', 'runs per store; the median run is reported', PAY_BENCH_DEFAULTS.runs)
    .option('--key <rsa|ed25519>', "the merchants' signing keys: RSA-2048 or Ed25519", PAY_BENCH_DEFAULTS.key)
    .option('--deliver', 'run the notifier, delivering every webhook to a local receiver (default: only queued)')
    .option('--sqlite-path <dir>', 'directory for the temporary SQLite files (default: the system temporary directory)')
    .option('--json', 'print one JSON object per store')
    .action(async (flags: PayBenchFlags) => {
      const parsed = parsePayBenchFlags(flags, process.env);
      if (!parsed.ok) throw new Error(parsed.error.message);
      // Loaded on demand: no other command needs it.
      const { payBenchPassed, runPayBench } = await import('../bench/pay-bench.js');
      const results = await runPayBench(parsed.value);
      if (!results.every(payBenchPassed)) process.exitCode = EXIT_BENCH_FAILED;
    });
}

export function parsePayBenchFlags(
  flags: PayBenchFlags,
  env: NodeJS.ProcessEnv,
): Result<PayBenchFlagsParsed, 'invalid_flags'> {
  const postgresUrl = flags.postgres || env.SAOMA_BENCH_POSTGRES || env.SAOMA_TEST_POSTGRES || undefined;
  const stores = parseStores(flags.store ?? (postgresUrl ? 'both' : 'sqlite'));
  if (!stores.ok) return stores;
  if (stores.value.includes('postgres') && !postgresUrl) {
    return invalid('--store postgres needs a server: pass --postgres URL or set SAOMA_BENCH_POSTGRES');
  }
  const numbers = {} as Record<keyof typeof RANGES, number>;
  for (const [name, [min, max]] of Object.entries(RANGES) as [keyof typeof RANGES, readonly [number, number]][]) {
    const parsed = parseInteger(flags[name], Number(PAY_BENCH_DEFAULTS[name]), min, max, `--${name}`);
    if (!parsed.ok) return invalid(parsed.error.message);
    numbers[name] = parsed.value;
  }
  const key = (flags.key ?? PAY_BENCH_DEFAULTS.key).trim().toLowerCase();
  if (!KEY_ALGORITHMS.includes(key as KeyAlgorithm)) {
    return invalid(`--key takes ${KEY_ALGORITHMS.join(' or ')}, not "${flags.key}"`);
  }
  return ok({
    stores: stores.value,
    ...(postgresUrl !== undefined && { postgresUrl }),
    ...numbers,
    keyAlgorithm: key as KeyAlgorithm,
    deliver: flags.deliver === true,
    json: flags.json === true,
    ...(flags.sqlitePath !== undefined && { sqlitePath: flags.sqlitePath }),
  });
}

/** `sqlite`, `postgres`, `both`, or a comma-separated list of the first two. */
function parseStores(text: string): Result<StoreKind[], 'invalid_flags'> {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .flatMap((name) => (name === 'both' ? ['sqlite', 'postgres'] : [name]));
  const unknown = names.find((name) => name !== 'sqlite' && name !== 'postgres');
  if (names.length === 0 || unknown !== undefined) {
    return invalid(`--store takes sqlite, postgres or both${unknown ? `, not "${unknown}"` : ''}`);
  }
  return ok([...new Set(names as StoreKind[])]);
}

const invalid = (message: string) => problem('invalid_flags' as const, message);
