// What a merchant sees of its notifications: pages of events, newest first, each with its
// delivery attempts. Every read is scoped to one merchant; another's event does not exist.
import type { Kysely, Selectable } from 'kysely';
import { ok, problem, type Result } from '../shared/result.js';
import type { Schema } from '../store/schema.js';
import type { AttemptOutcome, DeliveryAttemptsTable, OutboxEventsTable, OutboxStatus } from './tables.js';

export const NOTIFICATION_PAGE_MAX = 100;
export const NOTIFICATION_PAGE_DEFAULT = 20;
/** A list shows each event's latest attempts only; an event on its own shows more. */
export const LIST_ATTEMPTS_PER_EVENT_MAX = 20;
export const EVENT_ATTEMPTS_SHOWN_MAX = 100;

export type NotifyError = 'notification_not_found';

export interface DeliveryAttemptView {
  number: number;
  startedAtMs: number;
  finishedAtMs: number | null;
  outcome: AttemptOutcome;
  httpStatus: number | null;
  error: string | null;
  durationMs: number | null;
}

export interface NotificationView {
  id: string;
  merchantId: string;
  type: string;
  url: string;
  status: OutboxStatus;
  createdAtMs: number;
  nextAttemptAtMs: number | null;
  completedAtMs: number | null;
  /** Attempts over the event's life; `attempts` holds the latest of them, oldest first. */
  attemptCount: number;
  /** An attempt is under way (or its worker stopped and the lease has not run out yet). */
  inFlight: boolean;
  /** The `data` of the delivered body. */
  payload: Record<string, unknown>;
  attempts: DeliveryAttemptView[];
}

export interface NotificationPage {
  notifications: NotificationView[];
  /** Pass as `before` for the next page; null on the last one. */
  nextBefore: string | null;
}

export interface ListQuery {
  status?: OutboxStatus;
  limit?: number;
  /** The id of the last event of the previous page. */
  before?: string;
}

type EventRow = Selectable<OutboxEventsTable>;
type AttemptRow = Selectable<DeliveryAttemptsTable>;

export async function findNotification(
  db: Kysely<Schema>,
  merchantId: string,
  eventId: string,
): Promise<Result<NotificationView, NotifyError>> {
  const row = await db
    .selectFrom('outbox_events')
    .selectAll()
    .where('id', '=', eventId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (!row) return notFound(eventId);
  const attempts = await latestAttempts(db, [eventId], EVENT_ATTEMPTS_SHOWN_MAX);
  return ok(toView(row, attempts.get(eventId) ?? []));
}

export async function listNotifications(
  db: Kysely<Schema>,
  merchantId: string,
  query: ListQuery,
): Promise<Result<NotificationPage, NotifyError>> {
  const limit = query.limit ?? NOTIFICATION_PAGE_DEFAULT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > NOTIFICATION_PAGE_MAX) {
    throw new RangeError(`a page holds 1–${NOTIFICATION_PAGE_MAX} notifications, not ${limit}`);
  }
  let select = db.selectFrom('outbox_events').selectAll().where('merchant_id', '=', merchantId);
  if (query.status !== undefined) select = select.where('status', '=', query.status);
  if (query.before !== undefined) {
    const cursor = await db
      .selectFrom('outbox_events')
      .select(['id', 'created_at_ms'])
      .where('id', '=', query.before)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (!cursor) return notFound(query.before);
    select = select.where((eb) =>
      eb.or([
        eb('created_at_ms', '<', cursor.created_at_ms),
        eb.and([eb('created_at_ms', '=', cursor.created_at_ms), eb('id', '<', cursor.id)]),
      ]),
    );
  }
  // One row more than the page tells whether another page follows.
  const rows = await select
    .orderBy('created_at_ms', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const attempts = await latestAttempts(
    db,
    page.map((row) => row.id),
    LIST_ATTEMPTS_PER_EVENT_MAX,
  );
  return ok({
    notifications: page.map((row) => toView(row, attempts.get(row.id) ?? [])),
    nextBefore: rows.length > limit ? page.at(-1)!.id : null,
  });
}

const notFound = (eventId: string) =>
  problem('notification_not_found', `no notification ${JSON.stringify(eventId)} for this merchant`);

/** Each event's latest `perEventMax` attempts, oldest first. Attempt numbers run 1…attempt_count. */
async function latestAttempts(
  db: Kysely<Schema>,
  eventIds: readonly string[],
  perEventMax: number,
): Promise<Map<string, DeliveryAttemptView[]>> {
  const byEvent = new Map<string, DeliveryAttemptView[]>();
  if (eventIds.length === 0) return byEvent;
  const rows = await db
    .selectFrom('delivery_attempts as a')
    .innerJoin('outbox_events as e', 'e.id', 'a.event_id')
    .selectAll('a')
    .where('a.event_id', 'in', [...eventIds])
    .where((eb) => eb('a.attempt_number', '>', eb('e.attempt_count', '-', perEventMax)))
    .orderBy('a.event_id')
    .orderBy('a.attempt_number')
    .execute();
  for (const row of rows) {
    const list = byEvent.get(row.event_id) ?? [];
    list.push(toAttemptView(row));
    byEvent.set(row.event_id, list);
  }
  return byEvent;
}

const numberOrNull = (value: number | bigint | null): number | null => (value === null ? null : Number(value));

function toAttemptView(row: AttemptRow): DeliveryAttemptView {
  return {
    number: Number(row.attempt_number),
    startedAtMs: Number(row.started_at_ms),
    finishedAtMs: numberOrNull(row.finished_at_ms),
    outcome: row.outcome,
    httpStatus: numberOrNull(row.http_status),
    error: row.error,
    durationMs: numberOrNull(row.duration_ms),
  };
}

function toView(row: EventRow, attempts: DeliveryAttemptView[]): NotificationView {
  const body = JSON.parse(row.body) as { data: Record<string, unknown> };
  return {
    id: row.id,
    merchantId: row.merchant_id,
    type: row.type,
    url: row.url,
    status: row.status,
    createdAtMs: Number(row.created_at_ms),
    nextAttemptAtMs: row.status === 'pending' ? numberOrNull(row.next_attempt_at_ms) : null,
    completedAtMs: numberOrNull(row.completed_at_ms),
    attemptCount: Number(row.attempt_count),
    inFlight: row.leased_until_ms !== null,
    payload: body.data,
    attempts,
  };
}
