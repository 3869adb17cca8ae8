// The outbox: a module announces a change to a merchant by writing an event in the same
// transaction as the change, so an event exists exactly when the change committed.
import type { CompiledQuery, Insertable, Kysely, Transaction } from 'kysely';
import type { Clock } from '../shared/clock.js';
import { timeOrderedId } from '../shared/ids.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { Schema } from '../store/schema.js';
import { paramsOf, queryTemplate, type Param } from '../store/templates.js';
import { checkRetrySchedule } from './retry-schedules.js';
import type { OutboxEventsTable } from './tables.js';

export interface OutboxEventInput {
  merchantId: string;
  /** `trade.success`, `trade.closed`, `refund.success` …: lower-case words joined by dots. */
  type: string;
  /** The event's data; bigint values (amounts) are sent as strings of digits. */
  payload: Readonly<Record<string, unknown>>;
  /** Where to POST it: check merchants' URLs with checkWebhookUrl when they are given to us. */
  url: string;
  /** The waits after each failed attempt (ALIPAY_LIKE_RETRY_SECONDS, a provider's policy …). */
  retryScheduleSeconds: readonly number[];
  /** How it goes on the wire (default `saoma`): a name in the notifier's `formats` (worker.ts). */
  format?: string;
}

/** The database, or a transaction the caller has open. */
export type OutboxExecutor = Kysely<Schema> | Transaction<Schema>;

export interface EnqueuedEvent {
  id: string;
  createdAtMs: number;
}

/** Saoma's own webhook: the stored JSON body, signed with the platform's Ed25519 key. */
export const NATIVE_FORMAT = 'saoma';
const FORMAT_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
export const EVENT_ID_PREFIX = 'evt_';
/** After the time the id begins with (shared/ids.ts): 96 random bits. */
const EVENT_ID_RANDOM_BYTES = 12;
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const EVENT_TYPE_LENGTH_MAX = 64;
const MERCHANT_ID_LENGTH_MAX = 64;
/** A notification is a summary of a change, not a document: bodies stay small. */
export const EVENT_BODY_BYTES_MAX = 64 * 1024;
export const WEBHOOK_URL_LENGTH_MAX = 2048;

/** Writes the event with `executor`; inside a transaction, it commits or rolls back with it. */
export async function enqueueEvent(
  executor: OutboxExecutor,
  event: OutboxEventInput,
  clock: Clock,
): Promise<EnqueuedEvent> {
  const row = outboxRow(event, clock.nowMs());
  await executor.insertInto('outbox_events').values(row).execute();
  return { id: row.id, createdAtMs: Number(row.created_at_ms) };
}

/** The same INSERT, compiled, for a batch of statements run together (src/store/atomic.ts). */
export function compileEnqueue(
  db: Kysely<Schema>,
  event: OutboxEventInput,
  clock: Clock,
): EnqueuedEvent & { query: CompiledQuery } {
  const row = outboxRow(event, clock.nowMs());
  const query = insertEvent.compile({ db }, row);
  return { id: row.id, createdAtMs: Number(row.created_at_ms), query };
}

type OutboxRow = ReturnType<typeof outboxRow>;
const insertEvent = queryTemplate((db, p: Param<OutboxRow>) =>
  db
    .insertInto('outbox_events')
    .values(
      paramsOf(p, [
        'id',
        'merchant_id',
        'type',
        'url',
        'body',
        'retry_schedule_seconds',
        'format',
        'status',
        'next_attempt_at_ms',
        'leased_until_ms',
        'created_at_ms',
        'completed_at_ms',
      ]),
    ),
);

/**
 * A merchant's webhook URL: absolute http(s), a host, no credentials or fragment. Check it when the
 * merchant gives it (an app's webhook_url, an order's notify_url), so enqueueing never fails on it.
 */
export function checkWebhookUrl(text: string): Result<URL, 'invalid_webhook_url'> {
  if (typeof text !== 'string' || text.length > WEBHOOK_URL_LENGTH_MAX) {
    return problem('invalid_webhook_url', `a webhook URL is at most ${WEBHOOK_URL_LENGTH_MAX} characters`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return problem('invalid_webhook_url', 'the webhook URL is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return problem('invalid_webhook_url', 'a webhook URL starts with https:// (or http://)');
  }
  if (url.hostname === '' || url.username !== '' || url.password !== '' || url.hash !== '') {
    return problem('invalid_webhook_url', 'a webhook URL names a host and has no user, password or #fragment');
  }
  return ok(url);
}

/**
 * The row for a new event, due at once. The caller's input is checked here; a bad one is a
 * programmer's error (merchant URLs are checked where they come in) and throws.
 */
export function outboxRow(event: OutboxEventInput, nowMs: number): Insertable<OutboxEventsTable> & { id: string } {
  checkEventInput(event);
  const id = timeOrderedId(EVENT_ID_PREFIX, nowMs, EVENT_ID_RANDOM_BYTES);
  const body = eventBody(id, event, nowMs);
  if (Buffer.byteLength(body, 'utf8') > EVENT_BODY_BYTES_MAX) {
    throw new RangeError(`a ${event.type} event's body is larger than ${EVENT_BODY_BYTES_MAX} bytes`);
  }
  return {
    id,
    merchant_id: event.merchantId,
    type: event.type,
    url: event.url,
    body,
    retry_schedule_seconds: JSON.stringify(event.retryScheduleSeconds),
    format: event.format ?? NATIVE_FORMAT,
    status: 'pending',
    next_attempt_at_ms: BigInt(nowMs),
    leased_until_ms: null,
    created_at_ms: BigInt(nowMs),
    completed_at_ms: null,
  };
}

function checkEventInput(event: OutboxEventInput): void {
  if (
    typeof event.merchantId !== 'string' ||
    event.merchantId === '' ||
    event.merchantId.length > MERCHANT_ID_LENGTH_MAX
  ) {
    throw new TypeError(`an event needs a merchant id of 1–${MERCHANT_ID_LENGTH_MAX} characters`);
  }
  if (!EVENT_TYPE_PATTERN.test(event.type) || event.type.length > EVENT_TYPE_LENGTH_MAX) {
    throw new TypeError(`not an event type: ${JSON.stringify(event.type)} (like trade.success)`);
  }
  const payload: unknown = event.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError('an event payload is a JSON object');
  }
  if (event.format !== undefined && !FORMAT_PATTERN.test(event.format)) {
    throw new TypeError(`not a delivery format: ${JSON.stringify(event.format)}`);
  }
  const url = checkWebhookUrl(event.url);
  if (!url.ok) throw new TypeError(`${url.error.message}: ${JSON.stringify(event.url)}`);
  const schedule = checkRetrySchedule(event.retryScheduleSeconds);
  if (!schedule.ok) throw new RangeError(schedule.error.message);
}

/** What the merchant receives, byte for byte on every attempt: the event id and type with the data. */
function eventBody(id: string, event: OutboxEventInput, nowMs: number): string {
  const envelope = {
    id,
    type: event.type,
    created_at: new Date(nowMs).toISOString(),
    merchant_id: event.merchantId,
    data: event.payload,
  };
  return JSON.stringify(envelope, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}
