// `saoma bench ledger`: measures the ledger's group commit on SQLite and PostgreSQL — peak
// transfers/s with K callers each awaiting one transfer, latency at half that load, peak memory —
// against a hand-written plain-SQL routine applying the same transfers, and audits the books.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../shared/clock.js';
import { createLedgerService, type LedgerService } from '../ledger/service.js';
import type { TransferRequest } from '../ledger/types.js';
import { CALL_TRANSFERS_MAX } from '../ledger/validate.js';
import type { StoreKind } from '../store/store.js';
import { runPostgresBaseline, setUpPostgresBaseline } from './baseline-postgres.js';
import { runSqliteBaseline, setUpSqliteBaseline, type BaselineRun } from './baseline-sqlite.js';
import { createPostgresBenchDatabase, createSqliteBenchDatabase, type BenchDatabase } from './bench-database.js';
import { BENCH_LEDGER, TRANSFER_CODE_PAYMENT, setUpBook, type BenchBook } from './book-setup.js';
import { perSecond, round, runClosedLoop, runOpenLoop, summarizeLatency, type LoadRun } from './load.js';
import { createRunMonitor, type RunMonitor } from './run-monitor.js';
import { createTransferPlan, planTransferId, type Mix, type TransferPlan } from './transfer-plan.js';

export interface LedgerBenchOptions {
  stores: StoreKind[];
  /** A PostgreSQL database to create scratch schemas in; required when `stores` has postgres. */
  postgresUrl?: string;
  /** Wallets (the merchant account and the source come on top). */
  accounts: number;
  /** Transfers in the timed closed-loop phase. */
  transfers: number;
  /** Callers, each awaiting one transfer at a time. */
  concurrency: number;
  mixes: Mix[];
  /** The ledger writer's batch maximum (transfers per database transaction). */
  batchMax: number;
  /** One JSON object per line on stdout instead of text and progress bars. */
  json: boolean;
  /** A directory for the temporary SQLite files (default: the system's temporary directory). */
  sqlitePath?: string;
  /** Where the result lines go (default: stdout); progress bars, in text mode, go to stderr. */
  output?: { write(text: string): unknown };
}

export interface BenchResult {
  store: StoreKind;
  mix: Mix;
  accounts: number;
  transfers: number;
  concurrency: number;
  batchMax: number;
  transfersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Open loop at half of transfersPerSecond. */
  halfLoadRatePerSecond: number;
  halfLoadTransfers: number;
  halfLoadP50Ms: number;
  halfLoadP99Ms: number;
  /** The process's resident memory at its highest while the ledger ran. */
  peakRssBytes: number;
  batches: number;
  meanBatch: number;
  /** The same transfers applied by hand-written batched SQL on a fresh database of the same kind. */
  baselineTransfersPerSecond: number;
  /** Transfers per baseline transaction: the ledger's mean batch, so both commit as often. */
  baselineBatch: number;
  /** transfersPerSecond / baselineTransfersPerSecond. */
  ratio: number;
  /** Transfers answered with anything but ok: the plan funds every wallet, so this should be 0. */
  failedTransfers: number;
  auditOk: boolean;
  auditedTransfers: number;
}

/** Limits on what one run may ask for (the CLI's flags take the same ranges). */
export const BENCH_ACCOUNTS_MAX = 10_000_000;
export const BENCH_TRANSFERS_MAX = 100_000_000;
export const BENCH_CONCURRENCY_MAX = 100_000;
/** The half-load phase runs for at most this long, and at most a quarter as many transfers. */
export const HALF_LOAD_DURATION_MS_MAX = 3_000;
const PLAN_SEED = 20_260_101;

export async function runLedgerBench(options: LedgerBenchOptions): Promise<BenchResult[]> {
  checkOptions(options);
  const directory = mkdtempSync(join(options.sqlitePath ?? tmpdir(), 'saoma-bench-'));
  const results: BenchResult[] = [];
  try {
    for (const [mixIndex, mix] of options.mixes.entries()) {
      const halfLoadMax = Math.max(1, Math.floor(options.transfers / 4));
      const plan = createTransferPlan(options.accounts, options.transfers + halfLoadMax, mix, PLAN_SEED + mixIndex);
      for (const store of options.stores) {
        const result = await runOne(store, mix, plan, options, directory);
        results.push(result);
        (options.output ?? process.stdout).write(options.json ? `${JSON.stringify(result)}\n` : formatResult(result));
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return results;
}

function checkOptions(options: LedgerBenchOptions): void {
  const limits: [name: string, value: number, min: number, max: number][] = [
    ['accounts', options.accounts, 2, BENCH_ACCOUNTS_MAX],
    ['transfers', options.transfers, 1, BENCH_TRANSFERS_MAX],
    ['concurrency', options.concurrency, 1, BENCH_CONCURRENCY_MAX],
    ['batchMax', options.batchMax, 1, CALL_TRANSFERS_MAX],
  ];
  for (const [name, value, min, max] of limits) {
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name}: ${min} to ${max}`);
  }
  if (options.stores.length === 0 || options.mixes.length === 0) {
    throw new RangeError('name at least one store and one mix');
  }
  if (options.stores.includes('postgres') && !options.postgresUrl) {
    throw new RangeError('the postgres benchmark needs postgresUrl (a database it may create schemas in)');
  }
}

async function runOne(
  store: StoreKind,
  mix: Mix,
  plan: TransferPlan,
  options: LedgerBenchOptions,
  directory: string,
): Promise<BenchResult> {
  const monitor = createRunMonitor({ label: `${store} ${mix}`.padEnd(16), showProgress: !options.json });
  try {
    const createDatabase = (name: string) =>
      store === 'sqlite'
        ? createSqliteBenchDatabase(directory, `${mix}-${name}`)
        : createPostgresBenchDatabase(options.postgresUrl!);
    const ledgerRun = await measureLedger(await createDatabase('ledger'), plan, options, monitor);
    // The baseline commits as often as the ledger did: batches of the ledger's mean size.
    const baselineBatch = Math.max(1, Math.round(ledgerRun.meanBatch));
    const baseline = await measureBaseline(
      await createDatabase('baseline'),
      plan,
      options.transfers,
      baselineBatch,
      monitor,
    );
    const baselineTransfersPerSecond = perSecond(options.transfers, baseline.elapsedMs);
    const { accounts, transfers, concurrency, batchMax } = options;
    return {
      store,
      mix,
      ...{ accounts, transfers, concurrency, batchMax },
      ...ledgerRun,
      baselineTransfersPerSecond: Math.round(baselineTransfersPerSecond),
      baselineBatch,
      ratio: round(ledgerRun.transfersPerSecond / baselineTransfersPerSecond, 3),
    };
  } finally {
    monitor.stop();
  }
}

type LedgerFigures = Omit<
  BenchResult,
  | 'store'
  | 'mix'
  | 'accounts'
  | 'transfers'
  | 'concurrency'
  | 'batchMax'
  | 'baselineTransfersPerSecond'
  | 'baselineBatch'
  | 'ratio'
>;

/** Setup (untimed), the closed loop, the open loop at half its rate, then the audit. */
async function measureLedger(
  database: BenchDatabase,
  plan: TransferPlan,
  options: LedgerBenchOptions,
  monitor: RunMonitor,
): Promise<LedgerFigures> {
  try {
    const setupStore = await database.openForSetup();
    const book = await setUpBook(setupStore, plan, monitor.phase('setup', plan.wallets + 2)).finally(() =>
      setupStore.close(),
    );
    const store = await database.open();
    const ledger = createLedgerService({ store, clock: systemClock, writer: { batchMax: options.batchMax } });
    try {
      const requestAt = (index: number): TransferRequest => ({
        id: planTransferId(index),
        debitAccountId: book.accountIds[plan.debitPosition[index]!]!,
        creditAccountId: book.accountIds[plan.creditPosition[index]!]!,
        amount: BigInt(plan.amountFen[index]!),
        ledgerId: BENCH_LEDGER.id,
        code: TRANSFER_CODE_PAYMENT,
      });
      await warmUp(ledger, book);
      const before = ledger.writerStats();
      monitor.resetPeakRss();
      const counter = monitor.phase('ledger', options.transfers);
      const peak = await runClosedLoop(send(ledger), requestAt, options.transfers, options.concurrency, counter);
      const after = ledger.writerStats();
      const [batches, batched] = [after.batches - before.batches, after.transfers - before.transfers];
      const available = plan.length - options.transfers;
      const { failed, ...halfLoad } = await measureHalfLoad(
        ledger,
        requestAt,
        peak,
        available,
        options.transfers,
        monitor,
      );
      const peakRssBytes = monitor.peakRssBytes();
      const auditCounter = monitor.phase('audit', 1);
      await ledger.drain();
      const audit = await ledger.audit();
      auditCounter.done = 1;
      return {
        ...summarize(peak, options.transfers),
        ...halfLoad,
        peakRssBytes,
        batches,
        meanBatch: round(batched / Math.max(1, batches), 1),
        failedTransfers: peak.failed + failed,
        auditOk: audit.ok,
        auditedTransfers: audit.transfers,
      };
    } finally {
      await ledger.close();
      await store.close();
    }
  } finally {
    await database.drop();
  }
}

/**
 * One untimed transfer (a fen from the source to the merchant) before the clock starts, so that
 * one-time costs — a write thread starting, statements being prepared — stay out of the figures.
 */
async function warmUp(ledger: LedgerService, book: BenchBook): Promise<void> {
  const request = { id: 'warm-up', debitAccountId: book.sourceId, creditAccountId: book.accountIds.at(-1)! };
  const result = await ledger.transferOne({
    ...request,
    amount: 1n,
    ledgerId: BENCH_LEDGER.id,
    code: TRANSFER_CODE_PAYMENT,
  });
  if (result.code !== 'ok') throw new Error(`benchmark warm-up transfer failed with ${result.code}`);
}

/** Open loop at half the closed loop's rate, for a few seconds at most. */
async function measureHalfLoad(
  ledger: LedgerService,
  requestAt: (index: number) => TransferRequest,
  peak: LoadRun,
  available: number,
  firstIndex: number,
  monitor: RunMonitor,
) {
  const ratePerSecond = perSecond(peak.latenciesMs.length, peak.elapsedMs) / 2;
  const count = Math.max(1, Math.min(available, Math.round((ratePerSecond * HALF_LOAD_DURATION_MS_MAX) / 1_000)));
  const counter = monitor.phase('half load', count);
  const run = await runOpenLoop(send(ledger), (index) => requestAt(firstIndex + index), count, ratePerSecond, counter);
  const { p50Ms, p99Ms } = summarizeLatency(run.latenciesMs);
  return {
    halfLoadRatePerSecond: Math.round(ratePerSecond),
    halfLoadTransfers: count,
    halfLoadP50Ms: round(p50Ms, 3),
    halfLoadP99Ms: round(p99Ms, 3),
    failed: run.failed,
  };
}

async function measureBaseline(
  database: BenchDatabase,
  plan: TransferPlan,
  count: number,
  batchSize: number,
  monitor: RunMonitor,
): Promise<BaselineRun> {
  try {
    const nowMs = systemClock.nowMs();
    monitor.phase('base setup', 1);
    const sqlite = database.kind === 'sqlite';
    const accountIds = await (sqlite ? setUpSqliteBaseline : setUpPostgresBaseline)(database, plan, nowMs);
    const run = { count, batchSize, nowMs, counter: monitor.phase('baseline', count) };
    return await (sqlite ? runSqliteBaseline : runPostgresBaseline)(database, plan, accountIds, run);
  } finally {
    await database.drop();
  }
}

const send = (ledger: LedgerService) => (request: TransferRequest) => ledger.transferOne(request);

function summarize(run: LoadRun, count: number) {
  const { p50Ms, p99Ms } = summarizeLatency(run.latenciesMs);
  return {
    transfersPerSecond: Math.round(perSecond(count, run.elapsedMs)),
    p50Ms: round(p50Ms, 3),
    p99Ms: round(p99Ms, 3),
  };
}

export function formatResult(result: BenchResult): string {
  const count = (value: number) => value.toLocaleString('en-US');
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const mib = (result.peakRssBytes / 1_048_576).toFixed(1);
  const failed = result.failedTransfers > 0 ? `  ${count(result.failedTransfers)} TRANSFERS FAILED` : '';
  return [
    `${result.store} ${result.mix}: ${count(result.accounts)} accounts, ${count(result.transfers)} transfers, ` +
      `${count(result.concurrency)} callers`,
    `  ledger     ${count(result.transfersPerSecond).padStart(9)} transfers/s  p50 ${ms(result.p50Ms)}  p99 ${ms(result.p99Ms)}  ` +
      `(${count(result.batches)} batches, mean ${result.meanBatch})`,
    `  half load  ${count(result.halfLoadRatePerSecond).padStart(9)} transfers/s  p50 ${ms(result.halfLoadP50Ms)}  ` +
      `p99 ${ms(result.halfLoadP99Ms)}  (${count(result.halfLoadTransfers)} transfers)`,
    `  baseline   ${count(result.baselineTransfersPerSecond).padStart(9)} transfers/s  (plain SQL, batches of ` +
      `${count(result.baselineBatch)})  ratio ${result.ratio.toFixed(2)}`,
    `  peak RSS ${mib} MiB  audit ${result.auditOk ? 'ok' : 'FAILED'} (${count(result.auditedTransfers)} transfers)${failed}`,
    '',
  ].join('\n');
}
