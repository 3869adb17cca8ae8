// `saoma bench ledger` flags, checked and turned into the options the ledger bench takes.
// The bench module itself is loaded only when the command runs (see main.ts).
import { BATCH_MAX_LIMIT, parseInteger } from '../shared/config.js';
import { ok, problem, type Result } from '../shared/result.js';

export const BENCH_STORES = ['sqlite', 'postgres'] as const;
export const BENCH_MIXES = ['uniform', 'hot'] as const;
export type BenchStore = (typeof BENCH_STORES)[number];
export type BenchMix = (typeof BENCH_MIXES)[number];

/** What `runLedgerBench` in src/bench/ledger-bench.ts takes. */
export interface LedgerBenchOptions {
  stores: BenchStore[];
  postgresUrl?: string;
  accounts: number;
  transfers: number;
  concurrency: number;
  mixes: BenchMix[];
  batchMax: number;
  json: boolean;
  /** A directory for the bench's temporary SQLite files. */
  sqlitePath?: string;
}

/** Commander's view of the flags: every value still a string. */
export interface BenchFlags {
  store?: string;
  postgres?: string;
  accounts: string;
  transfers: string;
  concurrency: string;
  mix: string;
  batchMax: string;
  json?: boolean;
  sqlitePath?: string;
}

export const BENCH_DEFAULTS = {
  accounts: '10000',
  transfers: '200000',
  concurrency: '2048',
  mix: 'uniform,hot',
  batchMax: '8190',
} as const;

export function parseBenchOptions(
  flags: BenchFlags,
  env: NodeJS.ProcessEnv,
): Result<LedgerBenchOptions, 'invalid_flags'> {
  const postgresUrl = flags.postgres || env.SAOMA_BENCH_POSTGRES || env.SAOMA_TEST_POSTGRES || undefined;
  const stores = parseList(flags.store ?? (postgresUrl ? 'sqlite,postgres' : 'sqlite'), BENCH_STORES, '--store');
  if (!stores.ok) return stores;
  if (stores.value.includes('postgres') && !postgresUrl) {
    return invalid('--store postgres needs a server: pass --postgres URL or set SAOMA_BENCH_POSTGRES');
  }
  const mixes = parseList(flags.mix, BENCH_MIXES, '--mix');
  if (!mixes.ok) return mixes;
  // Two accounts at least: a transfer needs a debit and a credit side.
  const accounts = parseInteger(flags.accounts, 0, 2, 10_000_000, '--accounts');
  const transfers = parseInteger(flags.transfers, 0, 1, 100_000_000, '--transfers');
  const concurrency = parseInteger(flags.concurrency, 0, 1, 100_000, '--concurrency');
  const batchMax = parseInteger(flags.batchMax, 0, 1, BATCH_MAX_LIMIT, '--batch-max');
  for (const parsed of [accounts, transfers, concurrency, batchMax]) {
    if (!parsed.ok) return invalid(parsed.error.message);
  }
  return ok({
    stores: stores.value,
    ...(postgresUrl !== undefined && { postgresUrl }),
    accounts: number(accounts),
    transfers: number(transfers),
    concurrency: number(concurrency),
    mixes: mixes.value,
    batchMax: number(batchMax),
    json: flags.json === true,
    ...(flags.sqlitePath !== undefined && { sqlitePath: flags.sqlitePath }),
  });
}

const invalid = (message: string) => problem('invalid_flags' as const, message);

const number = (parsed: Result<number>): number => (parsed.ok ? parsed.value : Number.NaN);

/** A comma-separated list of known names, each once, in the order given. */
function parseList<Name extends string>(
  text: string,
  known: readonly Name[],
  flag: string,
): Result<Name[], 'invalid_flags'> {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.find((name) => !known.includes(name as Name));
  if (names.length === 0 || unknown !== undefined) {
    return invalid(`${flag} takes a comma-separated list of ${known.join(', ')}${unknown ? `, not "${unknown}"` : ''}`);
  }
  return ok([...new Set(names as Name[])]);
}
