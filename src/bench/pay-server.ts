// The server process of `saoma bench pay`, forked by pay-bench.ts once per run: a Saoma server as
// `saoma serve` runs it (startSaoma: HTTP, ledger writer, sweeps; the notifier only with --deliver),
// the world set up through its modules, its own memory and CPU measured while the load process
// pays, then the audits.
import { readFileSync } from 'node:fs';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { startSaoma, type RunningSaoma } from '../main.js';
import { auditNetwork } from '../network/audit.js';
import { listenForCommands } from './bench-child.js';
import type { LoadCounter } from './load.js';
import { payerBalanceFen, type ServerCommand, type ServerEvent } from './pay-plan.js';
import { setUpPayWorld } from './pay-setup.js';

/** How often memory is sampled and setup progress reported. */
const SAMPLE_INTERVAL_MS = 50;
/** Audit problems listed in the report, at most (the audit counts the rest). */
const PROBLEMS_REPORTED_MAX = 10;

const send = (event: ServerEvent): void => void process.send!(event);

let running: RunningSaoma | null = null;
let peakRssBytes = 0;
let sampler: NodeJS.Timeout | null = null;
let measureStart = startMeasuring();

/** Where the timed window's figures start from. */
function startMeasuring() {
  return {
    cpu: process.cpuUsage(),
    atMs: performance.now(),
    eventLoop: performance.eventLoopUtilization(),
    mainThread: mainThreadTimes(),
  };
}

/**
 * The calling thread's nanoseconds on a core and waiting for one, from Linux's schedstat (read on
 * the main thread, so the main thread's); null where the file is missing.
 */
function mainThreadTimes(): { cpuNs: number; runQueueNs: number } | null {
  try {
    const [cpuNs, runQueueNs] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return Number.isFinite(cpuNs) && Number.isFinite(runQueueNs) ? { cpuNs: cpuNs!, runQueueNs: runQueueNs! } : null;
  } catch {
    return null;
  }
}

function mainThreadSince(start: ReturnType<typeof mainThreadTimes>) {
  const end = mainThreadTimes();
  if (!start || !end) return null;
  return { cpuMs: (end.cpuNs - start.cpuNs) / 1e6, runQueueMs: (end.runQueueNs - start.runQueueNs) / 1e6 };
}

async function handle(command: ServerCommand): Promise<void> {
  switch (command.type) {
    case 'start':
      return start(command);
    case 'measure-start':
      peakRssBytes = process.memoryUsage.rss();
      sampler ??= setInterval(
        () => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss())),
        SAMPLE_INTERVAL_MS,
      );
      measureStart = startMeasuring();
      return send({ type: 'measuring' });
    case 'measure-stop': {
      const cpu = process.cpuUsage(measureStart.cpu);
      const mainThread = mainThreadSince(measureStart.mainThread);
      const eventLoop: EventLoopUtilization = performance.eventLoopUtilization(measureStart.eventLoop);
      peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
      if (sampler) clearInterval(sampler);
      sampler = null;
      const elapsedMs = performance.now() - measureStart.atMs;
      return send({
        type: 'measured',
        peakRssBytes,
        cpuMs: (cpu.user + cpu.system) / 1_000,
        elapsedMs,
        eventLoopBusyMs: eventLoop.active,
        mainThread,
      });
    }
    case 'finish':
      return finish();
  }
}

async function start(command: Extract<ServerCommand, { type: 'start' }>): Promise<void> {
  running = await startSaoma({
    databaseUrl: command.databaseUrl,
    host: '127.0.0.1',
    port: 0,
    logLevel: false,
    fieldKey: Buffer.from(command.fieldKeyHex, 'hex'),
    // Off by default: the issue counts a payment as "order created → wallet pays → notification
    // queued", so the queued outbox row is the end of it (finish() counts one per payment). With
    // --deliver the notifier runs as in `saoma serve` and its deliveries share the machine.
    deliverNotifications: command.deliverNotifications,
  });
  const counter: LoadCounter = { done: 0 };
  const progress = setInterval(() => send({ type: 'progress', done: counter.done }), SAMPLE_INTERVAL_MS);
  try {
    const plan = { payers: command.payers, merchants: command.merchants };
    const balance = payerBalanceFen(plan, command.payments);
    const spec = {
      ...plan,
      payerBalanceFen: balance,
      keyAlgorithm: command.keyAlgorithm,
      webhookUrl: command.webhookUrl,
    };
    const world = await setUpPayWorld(running.modules, spec, counter);
    send({ type: 'progress', done: counter.done });
    send({ type: 'ready', world: { url: running.url, ...world } });
  } finally {
    clearInterval(progress);
  }
}

/** Every transfer committed, then both audits, the paid orders and their queued notifications. */
async function finish(): Promise<void> {
  const { ledger, modules, store } = running!;
  await ledger.drain();
  const [report, network] = await Promise.all([ledger.audit(), auditNetwork(modules)]);
  const count = async (table: 'orders' | 'outbox_events', column: 'status' | 'type', value: string) => {
    const row = await store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<bigint | number>().as('n'))
      .where(column, '=', value)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const auditProblems = [
    ...report.problems.map((problem) => JSON.stringify(problem, (_key, value: unknown) => bigintText(value))),
    ...network.problems,
  ];
  const finished: ServerEvent = {
    type: 'finished',
    ledgerAuditOk: report.ok,
    networkAuditOk: network.ok,
    auditedTransfers: report.transfers,
    auditProblems: auditProblems.slice(0, PROBLEMS_REPORTED_MAX),
    ordersPaid: await count('orders', 'status', 'SUCCESS'),
    notificationsQueued: await count('outbox_events', 'type', 'trade.success'),
  };
  // Closed before answering, so that the orchestrator may remove the database as soon as it hears.
  await close();
  send(finished);
}

const bigintText = (value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

async function close(): Promise<void> {
  if (sampler) clearInterval(sampler);
  const closing = running;
  running = null;
  await closing?.close();
}

listenForCommands(handle, () => void close().finally(() => process.exit(1)));
// The orchestrator disconnects when it has heard all it needs, or went away: nothing is left to serve.
process.on('disconnect', () => void close().finally(() => process.exit(0)));
