// The `saoma` command: serve, migrate, audit, settle, bench, seed and the command-line wallet. Exit
// codes: 0 done, 1 the audit found the books wrong (or the server refused a wallet command), 2 any
// error (bad flags, unreachable database or server …), so a script can tell "no" from "could not ask".
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { networkAuditJson } from '../api/admin-ledger.js';
import { auditJson } from '../api/ledger-json.js';
import { auditNetwork } from '../network/audit.js';
import { createNetworkService } from '../network/service.js';
import { createLedgerService } from '../ledger/service.js';
import { systemClock } from '../shared/clock.js';
import { loadConfig, resolveDatabaseUrl } from '../shared/config.js';
import type { RunningSaoma } from '../main.js';
import type { Result } from '../shared/result.js';
import { pingStore } from '../shared/store-ping.js';
import { migrate, schemaVersion } from '../store/migrations.js';
import { openStore, parseDatabaseUrl, type Store } from '../store/store.js';
import { formatAuditReport, formatNetworkAudit } from './audit-report.js';
import { BENCH_DEFAULTS, parseBenchOptions, type BenchFlags } from './bench-options.js';
import { registerPayBenchCommand } from './bench-pay.js';
import type { SettleFlags } from './settle.js';
import { registerWalletCommands } from './wallet.js';

const EXIT_BOOKS_WRONG = 1;
const EXIT_ERROR = 2;
/** How long migrate and audit wait for the database to answer before calling it unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;
/** An operating error whose message is already a sentence for the user. */
class CliError extends Error {}

const valueOf = <Value>(result: Result<Value>): Value => {
  if (!result.ok) throw new CliError(result.error.message);
  return result.value;
};

function buildProgram(): Command {
  const program = new Command('saoma')
    .description('Saoma: a self-hostable mobile payment network on a double-entry ledger')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`saoma: ${text.replace(/^error: /, '')}`) });
  program
    .command('serve')
    .description('run the HTTP server (configuration: flags, then SAOMA_* variables)')
    .option('--db <url>', 'database: sqlite:PATH or postgres://… (SAOMA_DB)')
    .option('--port <n>', 'port; 0 picks a free one (SAOMA_PORT, default 3000)')
    .option('--host <host>', 'address to listen on (SAOMA_HOST, default 127.0.0.1)')
    .option('--demo', 'on a database without providers, seed the demo network and people; print their logins')
    .option('--demo-out <file>', 'with --demo: where to write the logins', './demo-credentials.json')
    .action(serve);
  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .option('--db <url>', 'database: sqlite:PATH or postgres://… (SAOMA_DB)')
    .action(runMigrate);
  program
    .command('audit')
    .description('prove the books from the journal; exit 0 when they are right, 1 when not, 2 on an error')
    .option('--db <url>', 'database: sqlite:PATH or postgres://… (SAOMA_DB)')
    .option('--json', 'print the report as JSON')
    .action(runAudit);
  program
    .command('settle')
    .description("settle merchants' business days: their takings, net of fees and refunds, paid out to their banks")
    .option('--db <url>', 'database: sqlite:PATH or postgres://… (SAOMA_DB)')
    .option('--date <yyyy-mm-dd>', 'settle this business day (Asia/Shanghai); without it, every day that is due')
    .option('--merchant <id>', 'with --date: this merchant only (default: every merchant)')
    .option('--limit <n>', 'without --date: business days to settle at most (default 1000)')
    .option('--json', 'print the settlements as JSON')
    .action(runSettle);
  const merchant = program.command('merchant').description("a merchant's API credentials");
  merchant
    .command('app')
    .description('merchant API apps')
    .command('create')
    .description(
      "register a merchant's own public key as an API app (native, Alipay or WeChat Pay) and print " +
        'what its integration needs (ids, URLs, the platform public key) as JSON',
    )
    .requiredOption('--merchant <id>', 'the merchant (see GET /v1/admin/merchants)')
    .requiredOption('--public-key <file>', 'SPKI PEM public key (RSA ≥ 2048 bits; Ed25519 for the native API)')
    .option('--protocol <name>', 'saoma (native, signed requests), alipay or wechatpay', 'saoma')
    .option('--webhook-url <url>', 'native or Alipay: where notifications of orders without a notify_url go')
    .option('--server <url>', "this server's public URL, for the URLs printed (default: from SAOMA_HOST/SAOMA_PORT)")
    .option('--db <url>', 'database: sqlite:PATH or postgres://… (SAOMA_DB)')
    .action(runMerchantAppCreate);
  const bench = program.command('bench').description('benchmarks');
  bench
    .command('ledger')
    .description('measure ledger transfers per second on each store')
    .option('--store <list>', 'stores to run: sqlite,postgres (default sqlite, plus postgres when a URL is known)')
    .option('--postgres <url>', 'PostgreSQL server (or SAOMA_BENCH_POSTGRES / SAOMA_TEST_POSTGRES)')
    .option('--accounts <n>', 'accounts to spread transfers over', BENCH_DEFAULTS.accounts)
    .option('--transfers <n>', 'transfers to make per run', BENCH_DEFAULTS.transfers)
    .option('--concurrency <n>', 'transfers in flight at once', BENCH_DEFAULTS.concurrency)
    .option('--mix <list>', 'account choice: uniform,hot', BENCH_DEFAULTS.mix)
    .option('--batch-max <n>', 'writer batch maximum', BENCH_DEFAULTS.batchMax)
    .option('--sqlite-path <dir>', 'directory for the temporary SQLite files (default: the system temporary directory)')
    .option('--json', 'print results as JSON')
    .action(runBench);
  registerPayBenchCommand(bench);
  const seed = program.command('seed').description('put data into a database');
  seed
    .command('demo')
    .description('migrate, then seed the demo network and people (idempotent) and write their logins')
    .option('--db <url>', 'database: sqlite:PATH or postgres://… (SAOMA_DB)')
    .option('--out <file>', 'where to write the logins', './demo-credentials.json')
    .action(runSeed);
  registerWalletCommands(program);
  return program;
}

interface ServeFlags {
  db?: string;
  port?: string;
  host?: string;
  demo?: boolean;
  demoOut?: string;
}

async function serve(flags: ServeFlags): Promise<void> {
  const config = valueOf(
    loadConfig(process.env, {
      ...(flags.db !== undefined && { databaseUrl: flags.db }),
      ...(flags.port !== undefined && { port: flags.port }),
      ...(flags.host !== undefined && { host: flags.host }),
    }),
  );
  // Loaded here, not at the top: the HTTP stack is only needed by serve, and every command pays for its load time.
  const { exitOnSignals, startSaoma } = await import('../main.js');
  const running = await startSaoma(config);
  exitOnSignals(running);
  // Seeded before the listening line, which tells scripts and tests that the server is ready.
  const demoLines = flags.demo ? await seedOrClose(running, flags.demoOut) : [];
  // One write, so that a reader of the listening line has the demo's lines with it.
  const listening = `saoma: listening on ${running.url} (${running.store.description}); health check: ${running.url}/health`;
  console.log([listening, ...demoLines].join('\n'));
  if (config.adminToken === null) console.log('saoma: operator API off (set SAOMA_ADMIN_TOKEN to enable /v1/admin)');
}

async function seedOrClose(running: RunningSaoma, out: string | undefined): Promise<string[]> {
  const { seedForServe } = await import('./seed.js');
  try {
    return await seedForServe(running.modules, running.url, out);
  } catch (error) {
    await running.close().catch(() => undefined);
    throw error;
  }
}

async function runSeed(flags: { db?: string; out?: string }): Promise<void> {
  // Loaded on demand, like serve: the modules are not needed by the other commands.
  const { runSeedDemo } = await import('./seed.js');
  await runSeedDemo(flags);
}

/** Opens the database and proves it answers; `mustExist` keeps a mistyped SQLite path from creating a file. */
async function openReachable(flag: string | undefined, mustExist: boolean): Promise<Store> {
  const url = valueOf(resolveDatabaseUrl(process.env, flag));
  const target = parseDatabaseUrl(url);
  if (mustExist && target.kind === 'sqlite' && target.path !== ':memory:' && !existsSync(target.path)) {
    throw new CliError(`no database at ${target.path} (create one with saoma migrate)`);
  }
  const store = await openStore(url);
  const answered = await pingStore(store, CONNECT_TIMEOUT_MS);
  if (!answered.ok) {
    await store.close().catch(() => undefined);
    throw new CliError(`cannot reach the database ${store.description}: ${answered.error.message}`);
  }
  return store;
}

async function runMigrate(flags: { db?: string }): Promise<void> {
  const store = await openReachable(flags.db, false);
  try {
    const report = await migrate(store);
    for (const step of report.applied) console.log(`applied migration ${step.version} (${step.name})`);
    const state = report.applied.length === 0 ? 'already up to date' : 'migrated';
    console.log(`${store.description}: ${state} at schema version ${report.current}`);
  } finally {
    await store.close();
  }
}

async function runAudit(flags: { db?: string; json?: boolean }): Promise<void> {
  const store = await openReachable(flags.db, true);
  try {
    if ((await schemaVersion(store)) === 0) {
      throw new CliError(`${store.description} has no Saoma schema (create it with saoma migrate)`);
    }
    const ledger = createLedgerService({ store, clock: systemClock });
    const network = createNetworkService({ store, ledger, clock: systemClock });
    // Closed even when the audit throws: the ledger's SQLite write thread would keep the process alive.
    const [report, funds] = await Promise.all([ledger.audit(), auditNetwork({ store, network })]).finally(() =>
      ledger.close(),
    );
    const ok = report.ok && funds.ok;
    console.log(
      flags.json
        ? JSON.stringify({ ...auditJson(report), ok, network: networkAuditJson(funds) }, null, 2)
        : `${formatAuditReport(report, store.description)}\n${formatNetworkAudit(funds)}`,
    );
    process.exitCode = ok ? 0 : EXIT_BOOKS_WRONG;
  } finally {
    await store.close();
  }
}

async function runSettle(flags: SettleFlags & { db?: string }): Promise<void> {
  // Loaded on demand, like seed: only settle needs the merchant side's modules.
  const { parseSettleFlags, runSettlement } = await import('./settle.js');
  const options = valueOf(parseSettleFlags(flags, systemClock.nowMs()));
  const config = valueOf(loadConfig(process.env, flags.db === undefined ? {} : { databaseUrl: flags.db }));
  const store = await openReachable(flags.db, true);
  try {
    await runSettlement(store, config, options);
  } finally {
    await store.close();
  }
}

async function runMerchantAppCreate(flags: {
  merchant?: string;
  publicKey?: string;
  protocol?: string;
  webhookUrl?: string;
  server?: string;
  db?: string;
}): Promise<void> {
  const { createMerchantApp, parseAppCreateFlags } = await import('./merchant-app.js');
  const { serverUrlOf } = await import('./seed.js');
  const config = valueOf(loadConfig(process.env, flags.db === undefined ? {} : { databaseUrl: flags.db }));
  const options = valueOf(parseAppCreateFlags({ ...flags, server: flags.server ?? serverUrlOf(config) }));
  const store = await openReachable(flags.db, true);
  try {
    console.log(JSON.stringify(valueOf(await createMerchantApp(store, config, options)), null, 2));
  } finally {
    await store.close();
  }
}

async function runBench(flags: BenchFlags): Promise<void> {
  const options = valueOf(parseBenchOptions(flags, process.env));
  // Loaded on demand: serve, migrate and audit need none of it.
  const { runLedgerBench } = await import('../bench/ledger-bench.js');
  const results = await runLedgerBench(options);
  if (results.some((result) => !result.auditOk)) process.exitCode = EXIT_BOOKS_WRONG;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // Commander has already printed its message (help, version, or a usage error).
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_ERROR;
      return;
    }
    console.error(`saoma: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT_ERROR;
  }
}

await main(process.argv);
