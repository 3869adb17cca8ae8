// The composition root: opens the store, migrates it, wires the ledger, the expiry sweep and the
// HTTP server, listens, and knows how to shut all of it down in order without losing a transfer.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './api/server.js';
import { createLedgerService, EXPIRY_SWEEP_MAX, type LedgerService } from './ledger/service.js';
import { systemClock, type Clock } from './shared/clock.js';
import {
  DEFAULT_BATCH_MAX,
  DEFAULT_EXPIRY_SWEEP_INTERVAL_MS,
  type LogLevel,
  type WebhookDestinations,
} from './shared/config.js';
import { createModules, type Modules } from './modules.js';
import { startNotifier } from './notify/worker.js';
import { startPeriodic, type PeriodicLog } from './shared/periodic.js';
import { RED_PACKET_SWEEP_LIMIT } from './wallet/red-packets.js';
import { createFieldCipher } from './shared/field-cipher.js';
import { resolveFieldKey } from './shared/field-key.js';
import { migrate } from './store/migrations.js';
import { openStore, type Store } from './store/store.js';

export interface SaomaOptions {
  databaseUrl: string;
  host: string;
  /** 0 picks a free port; the returned `url` names the one chosen. */
  port: number;
  adminToken?: string | null;
  batchMax?: number;
  /** `false` switches logging off (tests). */
  logLevel?: LogLevel | false;
  clock?: Clock;
  expirySweepIntervalMs?: number;
  /** The key sealing ID and card numbers (see shared/field-key.ts for the default). */
  fieldKey?: Buffer | null;
  /** Where webhooks may lead (SAOMA_WEBHOOK_DESTINATIONS): `any` (default) or `public`. */
  webhookDestinations?: WebhookDestinations;
  /** Deliver merchants' webhooks from this process (default true; a benchmark of the payment path turns it off). */
  deliverNotifications?: boolean;
}

export interface RunningSaoma {
  app: FastifyInstance;
  ledger: LedgerService;
  store: Store;
  modules: Modules;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /** Stops taking requests, finishes queued transfers, closes the database; safe to call twice. */
  close(): Promise<void>;
}

export async function startSaoma(options: SaomaOptions): Promise<RunningSaoma> {
  const clock = options.clock ?? systemClock;
  // Every request in flight may hold a connection for a statement or two: more than the default 8.
  const store = await openStore(options.databaseUrl, { poolSize: SERVER_POOL_SIZE });
  try {
    const migrated = await migrate(store, BigInt(clock.nowMs()));
    const ledger = createLedgerService({ store, clock, writer: { batchMax: options.batchMax ?? DEFAULT_BATCH_MAX } });
    const cipher = createFieldCipher(resolveFieldKey(options.databaseUrl, options.fieldKey));
    const modules = await createModules({
      store,
      ledger,
      clock,
      cipher,
      webhookDestinations: options.webhookDestinations ?? 'any',
    });
    const logLevel = options.logLevel ?? 'info';
    const app = buildServer({
      ledger,
      store,
      modules,
      config: { adminToken: options.adminToken ?? null },
      // process.stdout, not pino's own stdout writer: that one writes on libuv's pool, and the
      // process exiting right after its last line could put lines out of order or lose them.
      // Node writes stdout to files and pipes synchronously on Linux, in order.
      logger: logLevel === false ? false : { level: logLevel, stream: process.stdout },
    });
    app.log.info(
      { store: store.description, applied: migrated.applied, schemaVersion: migrated.current },
      'store ready',
    );
    try {
      await app.listen({ host: options.host, port: options.port });
    } catch (error) {
      // Nothing was served, so nothing is queued: close at once (the ledger stops its write thread).
      await app.close().catch(() => undefined);
      await ledger.close().catch(() => undefined);
      throw error;
    }
    const intervalMs = options.expirySweepIntervalMs ?? DEFAULT_EXPIRY_SWEEP_INTERVAL_MS;
    const sweeps = [
      startExpirySweep(ledger, app.log, intervalMs),
      startSweep('red packet sweep', () => modules.redPackets.sweep(), app.log, intervalMs, RED_PACKET_SWEEP_LIMIT),
      startSweep('order sweep', () => modules.acquiring.sweep(ORDER_SWEEP_MAX), app.log, intervalMs, ORDER_SWEEP_MAX),
      // The settlement scheduler: T+n business days are settled as they come due.
      startSweep(
        'settlement',
        () => modules.settlements.settleDue(SETTLEMENT_RUN_MAX),
        app.log,
        SETTLEMENT_INTERVAL_MS,
        SETTLEMENT_RUN_MAX,
      ),
      ...(options.deliverNotifications === false ? [] : [startNotifier(modules.notifier, { log: app.log })]),
    ];
    const close = onlyOnce(() => shutDown({ app, sweeps, ledger, store }));
    return { app, ledger, store, modules, url: serverUrl(app), close };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

function serverUrl(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

interface Parts {
  app: FastifyInstance;
  sweeps: { stop(): Promise<void> }[];
  ledger: LedgerService;
  store: Store;
}

/**
 * In this order: requests first (in-flight ones finish and may still queue transfers), then the
 * sweep (waiting for a sweep already running, which also queues), then the writer's queue, and
 * only then the database that the writer needs.
 */
async function shutDown({ app, sweeps, ledger, store }: Parts): Promise<void> {
  const log = app.log;
  log.info('shutdown: closing the HTTP server (no new connections; in-flight requests finish)');
  await app.close();
  log.info('shutdown: stopping the sweeps');
  await Promise.all(sweeps.map((sweep) => sweep.stop()));
  log.info({ queued: ledger.writerStats().queued }, 'shutdown: draining the ledger writer queue');
  await ledger.close();
  log.info('shutdown: closing the store');
  await store.close();
  log.info('shutdown: done');
}

function onlyOnce(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= run());
}

/** The part of the logger the sweep uses (Fastify's pino logger has it). */
export type SweepLog = PeriodicLog;

export interface ExpirySweep {
  /** One sweep now; resolves with how many pending transfers it voided, or 0 after logging an error. */
  runOnce(): Promise<number>;
  /** Cancels the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/** Voids expired pending transfers every `intervalMs`. */
export function startExpirySweep(ledger: LedgerService, log: SweepLog, intervalMs: number): ExpirySweep {
  return startSweep('expiry sweep', () => sweepOnce(ledger, log), log, intervalMs, EXPIRY_SWEEP_MAX);
}

/**
 * Runs `run` every `intervalMs` (see src/shared/periodic.ts); a run that handled `fullAt` items
 * means more are due, and the next starts at once.
 */
export function startSweep(
  name: string,
  run: () => Promise<number>,
  log: SweepLog,
  intervalMs: number,
  fullAt: number,
): ExpirySweep {
  const task = startPeriodic({ name, run, log, intervalMs, wasFull: (handled) => handled >= fullAt });
  return { runOnce: async () => (await task.runOnce()) ?? 0, stop: task.stop };
}

async function sweepOnce(ledger: LedgerService, log: SweepLog): Promise<number> {
  try {
    const voided = await ledger.expireDue();
    if (voided > 0) log.info({ voided }, 'expiry sweep: voided expired pending transfers');
    return voided;
  } catch (error) {
    // A database hiccup must not stop the process; the next sweep tries again.
    log.error({ err: error }, 'expiry sweep failed');
    return 0;
  }
}

/** PostgreSQL connections of a serving process. */
const SERVER_POOL_SIZE = 24;
/** Orders closed (or stuck payments finished) per sweep, at most. */
const ORDER_SWEEP_MAX = 1_000;
/** Merchant business days settled per run, at most, and how often the scheduler looks. */
const SETTLEMENT_RUN_MAX = 1_000;
const SETTLEMENT_INTERVAL_MS = 60_000;

/** Time a shutdown may take before the process gives up waiting and exits with an error. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * SIGTERM or SIGINT: shut down in order and exit 0. A second signal, or a shutdown that takes
 * longer than SHUTDOWN_TIMEOUT_MS, exits 1 at once.
 */
export function exitOnSignals(running: RunningSaoma): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const log = running.app.log;
    if (shuttingDown) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    shuttingDown = true;
    log.info({ signal }, 'shutdown: signal received');
    setTimeout(() => {
      log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown: took too long, exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
