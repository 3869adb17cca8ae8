// `saoma bench pay`: end-to-end merchant-presented payments over HTTP — a signed order, the wallet
// pays its code, the notification is queued — from a load process against a server process, on
// SQLite and PostgreSQL; payments/s, p50/p99, the server's peak memory, and the ratio to the
// HTTP floor (the same two requests to a trivial route) measured in the same run. Median of runs.
//
// What the figures include and leave out:
// - The merchants' apps sign with RSA-2048 (the default, as Alipay's RSA2 and WeChat Pay merchants
//   do) or Ed25519 (--key). The orders are signed by the load process before the clock starts (a
//   merchant signs on its own machine, not on the server's two cores); the server verifies every
//   signature inside the clock, and the signing's own time is reported beside the figures.
// - By default the server runs without its notifier: a payment ends when its notification is
//   queued, as the issue defines it, and the audit checks one trade.success row per payment. With
//   --deliver the notifier runs and delivers every webhook, during the payments, to a receiver in
//   this process (which answers `success`); the report then counts what it received.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../merchant/signature.js';
import type { StoreKind } from '../store/store.js';
import { forkBenchChild, type BenchChild } from './bench-child.js';
import { createPostgresBenchDatabase, createSqliteBenchDatabase, type BenchDatabase } from './bench-database.js';
import { percentOf, perSecond, round, type LoadCounter } from './load.js';
import {
  PAYER_ALLOWANCE_FEN,
  payerBalanceFen,
  PRESIGNED_ORDERS_MAX,
  QUEUED_ONLY_WEBHOOK_URL,
  type LoadCommand,
  type LoadEvent,
  type LoadPhase,
  type PaymentPhase,
  type PhaseFigures,
  type ServerCommand,
  type ServerEvent,
  type SignedFigures,
} from './pay-plan.js';
import { createRunMonitor, type RunMonitor } from './run-monitor.js';

export interface PayBenchOptions {
  stores: StoreKind[];
  /** A PostgreSQL database to create scratch schemas in; required when `stores` has postgres. */
  postgresUrl?: string;
  /** Timed payments per run. */
  payments: number;
  /** Payment loops, each making one payment at a time. */
  concurrency: number;
  payers: number;
  merchants: number;
  /** Runs per store, each on a fresh database and fresh processes; the median run is reported. */
  runs: number;
  /** The merchants' apps' keys (default rsa: RSA-2048). */
  keyAlgorithm?: KeyAlgorithm;
  /** Run the server's notifier, delivering every webhook to a receiver here (default: only queued). */
  deliver?: boolean;
  /** One JSON object per store on stdout instead of tables and progress bars. */
  json: boolean;
  /** A directory for the temporary SQLite files (default: the system's temporary directory). */
  sqlitePath?: string;
  /** Where the results go (default: stdout); progress bars, in text mode, go to stderr. */
  output?: { write(text: string): unknown };
}

/** One run's figures. */
export interface PayRun {
  run: number;
  paymentsPerSecond: number;
  /** One payment: the order and the payment request, back to back. */
  p50Ms: number;
  p99Ms: number;
  orderP50Ms: number;
  orderP99Ms: number;
  payP50Ms: number;
  payP99Ms: number;
  /** The same load shape against the floor route: two requests per pair. */
  floorPairsPerSecond: number;
  floorP50Ms: number;
  floorP99Ms: number;
  /** paymentsPerSecond / floorPairsPerSecond. */
  ratio: number;
  /** The server process's resident memory at its highest while the payments ran. */
  peakRssBytes: number;
  /**
   * CPU used while the payments ran, in percent of one core. The load's leaves out the orders it
   * signed before the clock (signCpuSeconds): that work is the merchants', on their machines.
   */
  serverCpuPercent: number;
  loadCpuPercent: number;
  /**
   * The server's main thread, which serves every request: how busy its event loop was, in percent
   * of the run; its own CPU time per payment (the cost that bounds throughput while one thread
   * serves HTTP); and how long it waited, runnable, for a core while other threads and processes
   * had both (null off Linux). Less noisy than payments/s on a shared machine.
   */
  eventLoopBusyPercent: number;
  mainThreadCpuMsPerPayment: number | null;
  mainThreadRunQueuePercent: number | null;
  /** Orders of the timed payments signed before their clock started, and what that took. */
  ordersPresigned: number;
  signSeconds: number;
  signCpuSeconds: number;
  /**
   * Orders the load process had to sign inside the clock (payments past PRESIGNED_ORDERS_MAX, or
   * pre-signed ones that grew too old to send); their cost is in loadCpuPercent. Normally 0.
   */
  ordersSignedInWindow: number;
  /** Untimed payments first (one per payer at least: each payer's yearly allowance is granted then). */
  warmUpPayments: number;
  /** Failed payments and floor pairs of every phase, by kind; the run fails if there is any. */
  errors: Record<string, number>;
  errorCount: number;
  /** The ledger's audit and the network's (reserves against wallets) both passed. */
  auditOk: boolean;
  auditedTransfers: number;
  auditProblems: string[];
  ordersPaid: number;
  notificationsQueued: number;
  /**
   * With --deliver, webhooks the receiver got while the timed payments ran, and in all by the
   * finish (the bench waits for the notifier to deliver every payment's, or to stop making
   * progress); null when notifications are only queued.
   */
  webhooksInWindow: number | null;
  webhooksReceived: number | null;
  /** With --deliver, webhooks received ≥ paid orders (delivery is at least once); null without. */
  webhooksOk: boolean | null;
  /** Paid orders = payments that succeeded = trade.success notifications queued. */
  notificationsOk: boolean;
  setupSeconds: number;
}

export interface PayBenchResult {
  store: StoreKind;
  payments: number;
  concurrency: number;
  payers: number;
  merchants: number;
  runs: number;
  keyAlgorithm: KeyAlgorithm;
  /** The notifier delivered to a receiver (--deliver), instead of notifications only being queued. */
  deliver: boolean;
  /** The floor's requests, e.g. `GET /ping`. */
  floorRoute: string;
  /** The run whose payments/s is the median; the figures below are its. */
  medianRun: number;
  paymentsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssBytes: number;
  floorPairsPerSecond: number;
  ratio: number;
  /** Every run's figures, in run order. */
  perRun: PayRun[];
  errorCount: number;
  /** Every run's audits passed and its notifications add up. */
  auditOk: boolean;
  notificationsOk: boolean;
  /** With --deliver, every run's receiver got a webhook for every paid order; null without. */
  webhooksOk: boolean | null;
}

export const PAY_BENCH_LIMITS = {
  payments: [1, 10_000_000],
  concurrency: [1, 4_096],
  payers: [1, 1_000_000],
  merchants: [1, 100_000],
  runs: [1, 99],
} as const;

export async function runPayBench(options: PayBenchOptions): Promise<PayBenchResult[]> {
  checkOptions(options);
  const directory = mkdtempSync(join(options.sqlitePath ?? tmpdir(), 'saoma-bench-pay-'));
  const results: PayBenchResult[] = [];
  try {
    for (const store of options.stores) {
      const runs: PayRun[] = [];
      let floorRoute = '';
      for (let run = 1; run <= options.runs; run++) {
        const label = `${store} ${run}/${options.runs}`.padEnd(14);
        const monitor = createRunMonitor({ label, showProgress: !options.json });
        try {
          const database = await (store === 'sqlite'
            ? createSqliteBenchDatabase(directory, `pay-${run}`)
            : createPostgresBenchDatabase(options.postgresUrl!));
          const measured = await measureRun(database, run, options, monitor).finally(() => database.drop());
          runs.push(measured.figures);
          floorRoute = measured.floorRoute;
        } finally {
          monitor.stop();
        }
      }
      const result = summarize(store, runs, floorRoute, options);
      results.push(result);
      (options.output ?? process.stdout).write(options.json ? `${JSON.stringify(result)}\n` : formatPayResult(result));
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return results;
}

function checkOptions(options: PayBenchOptions): void {
  for (const [name, [min, max]] of Object.entries(PAY_BENCH_LIMITS)) {
    const value = options[name as keyof typeof PAY_BENCH_LIMITS];
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name}: ${min} to ${max}`);
  }
  if (options.stores.length === 0) throw new RangeError('name at least one store');
  if (options.keyAlgorithm !== undefined && !KEY_ALGORITHMS.includes(options.keyAlgorithm)) {
    throw new RangeError(`keyAlgorithm: ${KEY_ALGORITHMS.join(' or ')}`);
  }
  if (options.stores.includes('postgres') && !options.postgresUrl) {
    throw new RangeError('the postgres benchmark needs postgresUrl (a database it may create schemas in)');
  }
  const plan = { payers: options.payers, merchants: options.merchants };
  if (payerBalanceFen(plan, warmUpCount(options) + options.payments) > PAYER_ALLOWANCE_FEN) {
    throw new RangeError(
      `${options.payments} payments of up to ¥99.99 would take some of ${options.payers} payers past their ` +
        `yearly allowance (¥${PAYER_ALLOWANCE_FEN / 100n}): add payers`,
    );
  }
}

/** One payment per payer (the first grants its yearly allowance), and a few per loop to warm the path. */
const warmUpCount = (options: Pick<PayBenchOptions, 'payers' | 'concurrency'>): number =>
  Math.max(options.payers, 4 * options.concurrency);

type Server = BenchChild<ServerCommand, ServerEvent>;
type Load = BenchChild<LoadCommand, LoadEvent>;

/**
 * Setup, warm-up, the floor, the payments, the audits: one fresh server and load process each
 * (and, with --deliver, a fresh webhook receiver). The orders of each payment phase are signed
 * just before it, outside its clock.
 */
async function measureRun(
  database: BenchDatabase,
  run: number,
  options: PayBenchOptions,
  monitor: RunMonitor,
): Promise<{ figures: PayRun; floorRoute: string }> {
  let counter: LoadCounter = { done: 0 };
  const phase = (name: string, total: number) => (counter = monitor.phase(name, total));
  const onProgress = (done: number) => (counter.done = done);
  const deliver = options.deliver ?? false;
  const receiver = deliver ? await startWebhookReceiver() : null;
  let server: Server | null = null;
  let load: Load | null = null;
  try {
    server = forkBenchChild('server', new URL('./pay-server.js', import.meta.url), onProgress);
    const setupStartedMs = performance.now();
    phase('setup', options.merchants + options.payers);
    const plan = { payers: options.payers, merchants: options.merchants };
    const warmUp = warmUpCount(options);
    server.send({
      type: 'start',
      databaseUrl: database.url,
      fieldKeyHex: randomBytes(32).toString('hex'),
      ...plan,
      payments: warmUp + options.payments,
      keyAlgorithm: options.keyAlgorithm ?? 'rsa',
      deliverNotifications: deliver,
      webhookUrl: receiver?.url ?? QUEUED_ONLY_WEBHOOK_URL,
    });
    const { world } = await server.expect('ready');
    const setupSeconds = (performance.now() - setupStartedMs) / 1_000;
    load = forkBenchChild('load', new URL('./pay-load.js', import.meta.url), onProgress);
    load.send({ type: 'plan', world, plan, concurrency: options.concurrency });
    const { floorPath } = await load.expect('planned');
    const sign = async (name: string, paying: PaymentPhase, firstIndex: number, count: number) => {
      phase(name, Math.min(count, PRESIGNED_ORDERS_MAX));
      load!.send({ type: 'sign', phase: paying, firstIndex, count });
      return (await load!.expect('signed')).figures;
    };
    const runPhase = async (name: LoadPhase, firstIndex: number, count: number) => {
      phase(name, count);
      load!.send({ type: 'phase', phase: name, firstIndex, count });
      return (await load!.expect('phase-done')).figures;
    };
    await sign('sign warm', 'warm-up', 0, warmUp);
    const warmed = await runPhase('warm-up', 0, warmUp);
    const floorWarmed = await runPhase('floor warm', 0, warmUp);
    const floor = await runPhase('floor', 0, options.payments);
    const signed = await sign('sign', 'payments', warmUp, options.payments);
    const warmedPaid = warmUp - countOf(warmed.errors);
    // The warm-up's webhooks delivered first, so that the timed window's deliveries are its own payments'.
    if (receiver) await awaitWebhooks(receiver, 0, warmedPaid, phase('warm hooks', warmedPaid));
    server.send({ type: 'measure-start' });
    await server.expect('measuring');
    const receivedBefore = receiver?.received() ?? 0;
    const payments = await runPhase('payments', warmUp, options.payments);
    const webhooksInWindow = receiver ? receiver.received() - receivedBefore : null;
    server.send({ type: 'measure-stop' });
    const serverFigures = await server.expect('measured');
    await load.stop();
    if (receiver) {
      const paid = payments.count - countOf(payments.errors);
      await awaitWebhooks(receiver, warmedPaid, paid, phase('webhooks', paid));
    }
    phase('audit', 1);
    server.send({ type: 'finish' });
    const audit = await server.expect('finished');
    counter.done = 1;
    const webhooks = { inWindow: webhooksInWindow, received: receiver?.received() ?? null };
    const phases = [warmed, floorWarmed, floor, payments];
    const parts = { floor, payments, phases, signed, serverFigures, audit, warmUp, setupSeconds, webhooks };
    return { figures: runFigures(run, parts), floorRoute: `GET ${floorPath}` };
  } finally {
    await load?.stop();
    await server?.stop();
    await receiver?.close();
  }
}

/** A merchant's webhook endpoint: answers every POST 200 `success` (what Alipay's notify expects) and counts it. */
interface WebhookReceiver {
  url: string;
  received(): number;
  close(): Promise<void>;
}

/**
 * On 127.0.0.1 in this process (which otherwise only waits): its CPU is shared with the server's,
 * as a merchant's own endpoint's would not be, but it does almost nothing per request.
 */
async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let received = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.method === 'POST') received++;
      response.writeHead(request.method === 'POST' ? 200 : 405, { 'content-type': 'text/plain' });
      response.end(request.method === 'POST' ? 'success' : '');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** How often the receiver's count is looked at while waiting for deliveries. */
const WEBHOOK_POLL_MS = 50;
/**
 * Waiting for deliveries stops when none has come for this long (the notifier looks for due
 * events every second): a receiver short of the paid orders then fails the run (webhooksOk).
 */
const WEBHOOK_STALL_MS = 15_000;

/** Until the receiver has `before + count` webhooks, or they stop coming; `counter` follows those past `before`. */
async function awaitWebhooks(
  receiver: WebhookReceiver,
  before: number,
  count: number,
  counter: LoadCounter,
): Promise<void> {
  let seen = receiver.received();
  let seenAtMs = performance.now();
  while (receiver.received() < before + count) {
    counter.done = Math.max(0, receiver.received() - before);
    if (receiver.received() !== seen) {
      seen = receiver.received();
      seenAtMs = performance.now();
    } else if (performance.now() - seenAtMs > WEBHOOK_STALL_MS) {
      return;
    }
    await sleep(WEBHOOK_POLL_MS);
  }
  counter.done = count;
}

interface RunParts {
  floor: PhaseFigures;
  payments: PhaseFigures;
  phases: PhaseFigures[];
  /** The timed payments' orders, signed before their clock. */
  signed: SignedFigures;
  serverFigures: Extract<ServerEvent, { type: 'measured' }>;
  audit: Extract<ServerEvent, { type: 'finished' }>;
  warmUp: number;
  setupSeconds: number;
  /** null without --deliver. */
  webhooks: { inWindow: number | null; received: number | null };
}

function runFigures(run: number, parts: RunParts): PayRun {
  const { floor, payments, signed, serverFigures, audit, webhooks } = parts;
  const errors: Record<string, number> = {};
  for (const phase of parts.phases) {
    for (const [kind, count] of Object.entries(phase.errors)) errors[kind] = (errors[kind] ?? 0) + count;
  }
  const errorCount = Object.values(errors).reduce((sum, count) => sum + count, 0);
  const paymentErrors = [parts.phases[0]!, payments].reduce((sum, phase) => sum + countOf(phase.errors), 0);
  const succeeded = parts.warmUp + payments.count - paymentErrors;
  const paymentsPerSecond = perSecond(payments.count, payments.elapsedMs);
  const floorPairsPerSecond = perSecond(floor.count, floor.elapsedMs);
  return {
    run,
    paymentsPerSecond: Math.round(paymentsPerSecond),
    p50Ms: round(payments.p50Ms, 3),
    p99Ms: round(payments.p99Ms, 3),
    orderP50Ms: round(payments.firstP50Ms, 3),
    orderP99Ms: round(payments.firstP99Ms, 3),
    payP50Ms: round(payments.secondP50Ms, 3),
    payP99Ms: round(payments.secondP99Ms, 3),
    floorPairsPerSecond: Math.round(floorPairsPerSecond),
    floorP50Ms: round(floor.p50Ms, 3),
    floorP99Ms: round(floor.p99Ms, 3),
    ratio: round(paymentsPerSecond / floorPairsPerSecond, 3),
    peakRssBytes: serverFigures.peakRssBytes,
    serverCpuPercent: percentOf(serverFigures.cpuMs, serverFigures.elapsedMs),
    loadCpuPercent: percentOf(payments.cpuMs, payments.elapsedMs),
    eventLoopBusyPercent: percentOf(serverFigures.eventLoopBusyMs, serverFigures.elapsedMs),
    mainThreadCpuMsPerPayment:
      serverFigures.mainThread && round(serverFigures.mainThread.cpuMs / Math.max(payments.count, 1), 3),
    mainThreadRunQueuePercent:
      serverFigures.mainThread && percentOf(serverFigures.mainThread.runQueueMs, serverFigures.elapsedMs),
    ordersPresigned: signed.count,
    signSeconds: round(signed.elapsedMs / 1_000, 2),
    signCpuSeconds: round(signed.cpuMs / 1_000, 2),
    ordersSignedInWindow: payments.signedInPhase,
    warmUpPayments: parts.warmUp,
    errors,
    errorCount,
    auditOk: audit.ledgerAuditOk && audit.networkAuditOk,
    auditedTransfers: audit.auditedTransfers,
    auditProblems: audit.auditProblems,
    ordersPaid: audit.ordersPaid,
    notificationsQueued: audit.notificationsQueued,
    webhooksInWindow: webhooks.inWindow,
    webhooksReceived: webhooks.received,
    webhooksOk: webhooks.received === null ? null : webhooks.received >= audit.ordersPaid,
    notificationsOk: audit.ordersPaid === succeeded && audit.notificationsQueued === succeeded,
    setupSeconds: round(parts.setupSeconds, 1),
  };
}

const countOf = (errors: Record<string, number>): number => Object.values(errors).reduce((sum, n) => sum + n, 0);

/** The median run by payments/s (of an even number, the lower of the middle two) and every run's figures. */
function summarize(store: StoreKind, runs: PayRun[], floorRoute: string, options: PayBenchOptions): PayBenchResult {
  const byRate = [...runs].sort((a, b) => a.paymentsPerSecond - b.paymentsPerSecond);
  const median = byRate[Math.floor((byRate.length - 1) / 2)]!;
  const { payments, concurrency, payers, merchants } = options;
  const keyAlgorithm = options.keyAlgorithm ?? 'rsa';
  const deliver = options.deliver ?? false;
  return {
    store,
    ...{ payments, concurrency, payers, merchants, runs: runs.length, keyAlgorithm, deliver, floorRoute },
    medianRun: median.run,
    paymentsPerSecond: median.paymentsPerSecond,
    p50Ms: median.p50Ms,
    p99Ms: median.p99Ms,
    peakRssBytes: median.peakRssBytes,
    floorPairsPerSecond: median.floorPairsPerSecond,
    ratio: median.ratio,
    perRun: runs,
    errorCount: runs.reduce((sum, run) => sum + run.errorCount, 0),
    auditOk: runs.every((run) => run.auditOk),
    notificationsOk: runs.every((run) => run.notificationsOk),
    webhooksOk: deliver ? runs.every((run) => run.webhooksOk === true) : null,
  };
}

/** No failed request, every audit passed, every paid order's notification queued (and delivered, with --deliver). */
export const payBenchPassed = (result: PayBenchResult): boolean =>
  result.errorCount === 0 && result.auditOk && result.notificationsOk && result.webhooksOk !== false;

const STORE_NAMES: Record<StoreKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const KEY_NAMES: Record<KeyAlgorithm, string> = { rsa: 'RSA-2048', ed25519: 'Ed25519' };
const COLUMNS = [
  ['run', 8],
  ['payments/s', 10],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['order p50', 9],
  ['pay p50', 8],
  ['floor pairs/s', 13],
  ['ratio', 6],
  ['peak RSS MiB', 12],
  ['CPU srv/load', 12],
  ['audit', 5],
] as const;

export function formatPayResult(result: PayBenchResult): string {
  const count = (value: number) => value.toLocaleString('en-US');
  const row = (cells: string[]) =>
    '  ' +
    cells
      .map((cell, index) => (index === 0 ? cell.padEnd(COLUMNS[0][1]) : cell.padStart(COLUMNS[index]![1])))
      .join('  ');
  const runRow = (run: PayRun, name: string) =>
    row([
      name,
      count(run.paymentsPerSecond),
      run.p50Ms.toFixed(1),
      run.p99Ms.toFixed(1),
      run.orderP50Ms.toFixed(1),
      run.payP50Ms.toFixed(1),
      count(run.floorPairsPerSecond),
      run.ratio.toFixed(2),
      (run.peakRssBytes / 1_048_576).toFixed(1),
      `${run.serverCpuPercent}%/${run.loadCpuPercent}%`,
      run.auditOk ? 'ok' : 'FAIL',
    ]);
  const median = result.perRun.find((run) => run.run === result.medianRun)!;
  const each = (figure: (run: PayRun) => string) => result.perRun.map(figure).join(', ');
  const lines = [
    `${STORE_NAMES[result.store]}: ${count(result.payments)} payments a run, ${result.concurrency} loops, ` +
      `${count(result.payers)} payers, ${count(result.merchants)} merchants signing with ` +
      `${KEY_NAMES[result.keyAlgorithm]}; ` +
      `${result.deliver ? 'notifier delivering to a receiver' : 'notifications queued (notifier off)'}; ` +
      `floor: ${result.floorRoute} twice a pair`,
    row(COLUMNS.map(([name]) => name)),
    ...result.perRun.map((run) => runRow(run, String(run.run))),
    ...(result.runs > 1 ? [runRow(median, 'median')] : []),
    `  notifications queued ${each((run) => count(run.notificationsQueued))} ` +
      `(${result.notificationsOk ? '= paid orders = payments made' : 'DO NOT MATCH the paid orders'}); ` +
      `setup ${each((run) => run.setupSeconds.toFixed(1))} s`,
    `  server's main thread: event loop busy ${each((run) => `${run.eventLoopBusyPercent}%`)}` +
      (result.perRun.every((run) => run.mainThreadCpuMsPerPayment !== null)
        ? `; ${each((run) => run.mainThreadCpuMsPerPayment!.toFixed(3))} ms of its CPU per payment; ` +
          `runnable but waiting for a core ${each((run) => `${run.mainThreadRunQueuePercent}%`)} of the time`
        : ''),
    ...(result.deliver
      ? [
          `  webhooks received: ${each((run) => count(run.webhooksInWindow ?? 0))} in the timed window, ` +
            `${each((run) => count(run.webhooksReceived ?? 0))} by the finish ` +
            `(${result.webhooksOk ? '≥ paid orders' : 'FEWER THAN the paid orders'})`,
        ]
      : []),
    `  orders signed before the clock (${KEY_NAMES[result.keyAlgorithm]}): ` +
      `${each((run) => `${count(run.ordersPresigned)} in ${run.signSeconds.toFixed(1)} s`)}` +
      (result.perRun.some((run) => run.ordersSignedInWindow > 0)
        ? `; signed inside the clock (counted in the load's CPU): ${each((run) => count(run.ordersSignedInWindow))}`
        : ''),
  ];
  for (const run of result.perRun) {
    for (const [kind, times] of Object.entries(run.errors)) lines.push(`  run ${run.run}: ${count(times)} × ${kind}`);
    for (const problem of run.auditProblems) lines.push(`  run ${run.run} audit: ${problem}`);
  }
  if (result.errorCount > 0) lines.push(`  ${count(result.errorCount)} REQUESTS FAILED`);
  return `${lines.join('\n')}\n\n`;
}
