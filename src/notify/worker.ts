// The delivery worker: finds due events, claims one attempt at a time with a guarded UPDATE (so
// two workers, in one process or many, never make the same attempt), POSTs it signed, records
// the outcome and schedules the next attempt from the event's retry schedule until it ends.
import type { Kysely, Updateable } from 'kysely';
import type { Clock } from '../shared/clock.js';
import { startPeriodic, type PeriodicLog, type PeriodicTask } from '../shared/periodic.js';
import type { Result } from '../shared/result.js';
import type { Schema } from '../store/schema.js';
import { runAtomically, runUnit } from '../store/atomic.js';
import type { Store } from '../store/store.js';
import {
  postWebhook,
  postWebhookOverHttp,
  type FetchFunction,
  type HttpAttemptResult,
  type WebhookRequest,
} from './delivery.js';
import type { DeliveryFormats } from './formats.js';
import { NATIVE_FORMAT } from './outbox.js';
import { platformSigningKey } from './platform-key.js';
import {
  findNotification,
  listNotifications,
  type ListQuery,
  type NotificationPage,
  type NotificationView,
  type NotifyError,
} from './queries.js';
import { attemptsPerRound, parseStoredSchedule, waitAfterFailureSeconds } from './retry-schedules.js';
import type { OutboxEventsTable } from './tables.js';
import { signWebhook } from './webhook-signature.js';

export const NOTIFIER_CONCURRENCY_DEFAULT = 8;
export const NOTIFIER_CONCURRENCY_MAX = 64;
export const DELIVERY_TIMEOUT_MS_DEFAULT = 10_000;
export const DELIVERY_TIMEOUT_MS_MAX = 60_000;
/** At most this many events per run; a full run means more are due, and the loop goes again at once. */
export const RUN_LIMIT_MAX = 100;
/**
 * A claimed attempt belongs to its worker for the timeout plus this margin (for the database
 * writes around it). A worker that stops mid-attempt loses its claim when the lease runs out, and
 * the next attempt is made then: at-least-once, never lost.
 */
export const LEASE_MARGIN_MS = 60_000;

export interface NotifierDeps {
  store: Store;
  clock: Clock;
  fetchImpl?: FetchFunction;
  /** Refuse webhook URLs that lead to loopback, private or link-local addresses (SSRF). */
  publicDestinationsOnly?: boolean;
  /** Formats besides Saoma's own webhook, by the name events carry in `format` (formats.ts). */
  formats?: DeliveryFormats;
  /** Attempts in flight at once, per runOnce. */
  concurrencyMax?: number;
  /** How long one attempt waits for the receiver's answer. */
  timeoutMs?: number;
}

export interface RunReport {
  /** Events found due. */
  due: number;
  /** Attempts this run made; the rest of `due` was taken by another worker. */
  attempted: number;
  acknowledged: number;
  /** Failed attempts (each event then waits for its next one, or was given up on). */
  failed: number;
  /** Events given up on: their round's last attempt failed (or its worker stopped). */
  gaveUp: number;
}

export interface Notifier {
  /** Delivers up to `limit` due events, `concurrencyMax` at a time. */
  runOnce(limit?: number): Promise<RunReport>;
  /**
   * A delivered or failed event becomes pending again, due now, for a new round of its schedule
   * (attempt numbers keep counting). A pending one waiting for a retry is brought forward to now;
   * one in flight is left to its worker.
   */
  resend(merchantId: string, eventId: string): Promise<Result<NotificationView, NotifyError>>;
  list(merchantId: string, query: ListQuery): Promise<Result<NotificationPage, NotifyError>>;
  show(merchantId: string, eventId: string): Promise<Result<NotificationView, NotifyError>>;
}

interface DueEvent {
  id: string;
  attemptCount: number;
  roundAttemptCount: number;
  schedule: readonly number[];
}

interface ClaimedAttempt {
  id: string;
  merchantId: string;
  type: string;
  format: string;
  url: string;
  body: string;
  schedule: readonly number[];
  attemptNumber: number;
  attemptInRound: number;
}

type AttemptEnd = 'lost' | 'acknowledged' | 'retrying' | 'gave_up' | 'abandoned_gave_up';

export function createNotifier(deps: NotifierDeps): Notifier {
  const { store, clock } = deps;
  const db = store.db;
  const fetchImpl = deps.fetchImpl;
  const post = (request: WebhookRequest) =>
    fetchImpl
      ? postWebhook(fetchImpl, request, timeoutMs)
      : postWebhookOverHttp(request, timeoutMs, { publicDestinationsOnly: deps.publicDestinationsOnly ?? false });
  const concurrencyMax = checkedWhole(
    'concurrencyMax',
    deps.concurrencyMax ?? NOTIFIER_CONCURRENCY_DEFAULT,
    1,
    NOTIFIER_CONCURRENCY_MAX,
  );
  const timeoutMs = checkedWhole(
    'timeoutMs',
    deps.timeoutMs ?? DELIVERY_TIMEOUT_MS_DEFAULT,
    1,
    DELIVERY_TIMEOUT_MS_MAX,
  );
  const signingKey = memoized(() => platformSigningKey(store, clock));

  const claim = (due: DueEvent) => claimAttempt(store, due, clock.nowMs(), timeoutMs + LEASE_MARGIN_MS);

  async function send(attempt: ClaimedAttempt): Promise<HttpAttemptResult> {
    if (attempt.format !== NATIVE_FORMAT) return sendInFormat(attempt);
    const key = await signingKey();
    const url = new URL(attempt.url);
    const headers = signWebhook({
      privateKey: key.privateKey,
      eventId: attempt.id,
      url,
      body: attempt.body,
      timestampMs: clock.nowMs(),
    });
    return post({ url, headers, body: attempt.body });
  }

  async function sendInFormat(attempt: ClaimedAttempt): Promise<HttpAttemptResult> {
    const format = Object.hasOwn(deps.formats ?? {}, attempt.format) ? deps.formats![attempt.format] : undefined;
    if (!format) {
      return {
        acknowledged: false,
        httpStatus: null,
        error: `no delivery format ${attempt.format} here`,
        durationMs: 0,
      };
    }
    const wire = await format.request({
      id: attempt.id,
      merchantId: attempt.merchantId,
      type: attempt.type,
      url: attempt.url,
      body: attempt.body,
      attemptNumber: attempt.attemptNumber,
    });
    const request = { url: new URL(attempt.url), ...wire, acknowledge: format.acknowledged.bind(format) };
    return post(request);
  }

  async function deliver(due: DueEvent): Promise<AttemptEnd> {
    if (due.roundAttemptCount >= attemptsPerRound(due.schedule)) {
      return (await giveUpAbandoned(db, due, clock.nowMs())) ? 'abandoned_gave_up' : 'lost';
    }
    const attempt = await claim(due);
    if (!attempt) return 'lost';
    return recordResult(store, attempt, await send(attempt), clock.nowMs());
  }

  return {
    async runOnce(limit = RUN_LIMIT_MAX) {
      checkedWhole('limit', limit, 1, RUN_LIMIT_MAX);
      const dueEvents = await selectDue(db, clock.nowMs(), limit);
      const report: RunReport = { due: dueEvents.length, attempted: 0, acknowledged: 0, failed: 0, gaveUp: 0 };
      await forEachConcurrently(dueEvents, concurrencyMax, async (due) => tally(report, await deliver(due)));
      return report;
    },
    async resend(merchantId, eventId) {
      await reopen(db, merchantId, eventId, clock.nowMs());
      return findNotification(db, merchantId, eventId);
    },
    list: (merchantId, query) => listNotifications(db, merchantId, query),
    show: (merchantId, eventId) => findNotification(db, merchantId, eventId),
  };
}

function tally(report: RunReport, end: AttemptEnd): void {
  if (end === 'lost') return;
  if (end === 'abandoned_gave_up') {
    report.gaveUp += 1;
    return;
  }
  report.attempted += 1;
  if (end === 'acknowledged') report.acknowledged += 1;
  else report.failed += 1;
  if (end === 'gave_up') report.gaveUp += 1;
}

async function selectDue(db: Kysely<Schema>, nowMs: number, limit: number): Promise<DueEvent[]> {
  const rows = await db
    .selectFrom('outbox_events')
    .select(['id', 'attempt_count', 'round_attempt_count', 'retry_schedule_seconds'])
    .where('status', '=', 'pending')
    .where('next_attempt_at_ms', '<=', BigInt(nowMs))
    .orderBy('next_attempt_at_ms')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    attemptCount: Number(row.attempt_count),
    roundAttemptCount: Number(row.round_attempt_count),
    schedule: parseStoredSchedule(row.retry_schedule_seconds),
  }));
}

/**
 * The claim: one guarded UPDATE that only the worker that saw this attempt count can win. It moves
 * the event's due time to the end of the lease, so nobody else picks it up meanwhile.
 */
async function claimAttempt(
  store: Store,
  due: DueEvent,
  nowMs: number,
  leaseMs: number,
): Promise<ClaimedAttempt | null> {
  const db = store.db;
  const leaseEndMs = BigInt(nowMs + leaseMs);
  // The guard pins attempt_count, so the attempt's number is known before the claim runs: the
  // claim, the abandoned attempts before it and the new attempt's row commit as one unit.
  const attemptNumber = due.attemptCount + 1;
  const outcomes = await runUnit(store, [
    {
      query: db
        .updateTable('outbox_events')
        .set((eb) => ({
          attempt_count: eb('attempt_count', '+', 1),
          round_attempt_count: eb('round_attempt_count', '+', 1),
          next_attempt_at_ms: leaseEndMs,
          leased_until_ms: leaseEndMs,
        }))
        .where('id', '=', due.id)
        .where('status', '=', 'pending')
        .where('attempt_count', '=', due.attemptCount)
        .where('round_attempt_count', '<', attemptsPerRound(due.schedule))
        .where('next_attempt_at_ms', '<=', BigInt(nowMs))
        .returning(['merchant_id', 'type', 'format', 'url', 'body', 'attempt_count', 'round_attempt_count'])
        .compile(),
      mustChangeRow: true,
    },
    { query: markAbandonedQuery(db, due.id, attemptNumber) },
    {
      query: db
        .insertInto('delivery_attempts')
        .values({ event_id: due.id, attempt_number: attemptNumber, started_at_ms: BigInt(nowMs), outcome: 'sending' })
        .compile(),
    },
  ]);
  if (!outcomes) return null;
  const row = outcomes[0]!.rows[0] as Pick<
    OutboxEventsTable,
    'merchant_id' | 'type' | 'url' | 'body' | 'attempt_count' | 'round_attempt_count'
  > & { format: string };
  if (Number(row.attempt_count) !== attemptNumber) {
    throw new Error(`claim of ${due.id} read back attempt ${String(row.attempt_count)}`);
  }
  return {
    id: due.id,
    merchantId: row.merchant_id,
    type: row.type,
    format: row.format,
    url: row.url,
    body: row.body,
    schedule: due.schedule,
    attemptNumber,
    attemptInRound: Number(row.round_attempt_count),
  };
}

/** Attempts still `sending` before this one: their worker stopped and the lease ran out. */
async function markAbandoned(db: Kysely<Schema>, eventId: string, beforeAttemptNumber: number): Promise<void> {
  await db.executeQuery(markAbandonedQuery(db, eventId, beforeAttemptNumber));
}

function markAbandonedQuery(db: Kysely<Schema>, eventId: string, beforeAttemptNumber: number) {
  return db
    .updateTable('delivery_attempts')
    .set({ outcome: 'abandoned', error: 'the worker stopped before the attempt finished' })
    .where('event_id', '=', eventId)
    .where('outcome', '=', 'sending')
    .where('attempt_number', '<', beforeAttemptNumber)
    .compile();
}

const finished = (status: 'delivered' | 'failed', nowMs: number) =>
  ({ status, next_attempt_at_ms: null, leased_until_ms: null, completed_at_ms: BigInt(nowMs) }) as const;

async function recordResult(
  store: Store,
  attempt: ClaimedAttempt,
  result: HttpAttemptResult,
  nowMs: number,
): Promise<AttemptEnd> {
  const db = store.db;
  const recordAttempt = db
    .updateTable('delivery_attempts')
    .set({
      outcome: result.acknowledged ? 'acknowledged' : 'failed',
      http_status: result.httpStatus,
      error: result.error,
      duration_ms: result.durationMs,
      finished_at_ms: BigInt(nowMs),
    })
    .where('event_id', '=', attempt.id)
    .where('attempt_number', '=', attempt.attemptNumber)
    .compile();
  const waitSeconds = result.acknowledged ? null : waitAfterFailureSeconds(attempt.schedule, attempt.attemptInRound);
  const change: Updateable<OutboxEventsTable> = result.acknowledged
    ? finished('delivered', nowMs)
    : waitSeconds === null
      ? finished('failed', nowMs)
      : { next_attempt_at_ms: BigInt(nowMs + waitSeconds * 1000), leased_until_ms: null };
  // Guarded by the attempt number: a worker whose lease ran out must not undo its successor's work.
  // An acknowledgement that comes after the event was given up on still counts: the merchant has it.
  const updateEvent = db
    .updateTable('outbox_events')
    .set(change)
    .where('id', '=', attempt.id)
    .where('status', 'in', result.acknowledged ? ['pending', 'failed'] : ['pending'])
    .where('attempt_count', '=', attempt.attemptNumber)
    .compile();
  await runAtomically(store, [{ query: recordAttempt }, { query: updateEvent }]);
  if (result.acknowledged) return 'acknowledged';
  return waitSeconds === null ? 'gave_up' : 'retrying';
}

/** The round's last attempt was claimed but never finished: the schedule has ended all the same. */
async function giveUpAbandoned(db: Kysely<Schema>, due: DueEvent, nowMs: number): Promise<boolean> {
  const updated = await db
    .updateTable('outbox_events')
    .set(finished('failed', nowMs))
    .where('id', '=', due.id)
    .where('status', '=', 'pending')
    .where('attempt_count', '=', due.attemptCount)
    .where('round_attempt_count', '=', due.roundAttemptCount)
    .where('next_attempt_at_ms', '<=', BigInt(nowMs))
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return false;
  await markAbandoned(db, due.id, due.attemptCount + 1);
  return true;
}

async function reopen(db: Kysely<Schema>, merchantId: string, eventId: string, nowMs: number): Promise<void> {
  const now = BigInt(nowMs);
  await db
    .updateTable('outbox_events')
    .set({
      status: 'pending',
      next_attempt_at_ms: now,
      leased_until_ms: null,
      round_attempt_count: 0,
      completed_at_ms: null,
    })
    .where('id', '=', eventId)
    .where('merchant_id', '=', merchantId)
    .where('status', 'in', ['delivered', 'failed'])
    .execute();
  await db
    .updateTable('outbox_events')
    .set({ next_attempt_at_ms: now })
    .where('id', '=', eventId)
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'pending')
    .where('leased_until_ms', 'is', null)
    .where('next_attempt_at_ms', '>', now)
    .execute();
}

/** Runs `run` over the items with at most `lanesMax` in flight; waits for all before reporting an error. */
async function forEachConcurrently<Item>(
  items: readonly Item[],
  lanesMax: number,
  run: (item: Item) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  const lanes = Array.from({ length: Math.min(lanesMax, items.length) }, lane);
  const failure = (await Promise.allSettled(lanes)).find((settled) => settled.status === 'rejected');
  if (failure) throw failure.reason;
}

function checkedWhole(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Loads once; a failed load is forgotten so that the next call tries again. */
function memoized<Value>(load: () => Promise<Value>): () => Promise<Value> {
  let loading: Promise<Value> | null = null;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = null;
      throw error;
    });
    return loading;
  };
}

export type NotifierLog = PeriodicLog;

/** One run now (or the one in progress; null after logging an error), and stop. */
export type NotifierLoop = PeriodicTask<RunReport>;

export const NOTIFIER_INTERVAL_MS_DEFAULT = 1_000;

/** Runs the notifier every `intervalMs` (src/shared/periodic.ts); a full run goes again at once. */
export function startNotifier(
  notifier: Notifier,
  options: { log: NotifierLog; intervalMs?: number; limit?: number },
): NotifierLoop {
  const { log } = options;
  const limit = options.limit ?? RUN_LIMIT_MAX;
  return startPeriodic({
    name: 'notifier: delivery run',
    run: async () => {
      const report = await notifier.runOnce(limit);
      if (report.due > 0) log.info({ ...report }, 'notifier: delivery run');
      return report;
    },
    log,
    intervalMs: options.intervalMs ?? NOTIFIER_INTERVAL_MS_DEFAULT,
    wasFull: (report) => report.due >= limit,
  });
}
