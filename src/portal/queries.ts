// What the merchant portal reads, always scoped to one merchant: the dashboard's takings (today,
// by hour of today, by day over a window, by the payer's wallet provider) summed in SQL, and the
// order search, paged newest first. Times are bucketed in the network's time zone (Asia/Shanghai).
import { sql, type Kysely } from 'kysely';
import { businessDateOf, dayBoundsMs } from '../acquiring/settlement.js';
import type { OrderStatus } from '../acquiring/orders.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { Schema } from '../store/schema.js';

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
export const DASHBOARD_DAYS_DEFAULT = 30;
export const DASHBOARD_DAYS_MAX = 90;
export const ORDER_PAGE_DEFAULT = 20;
export const ORDER_PAGE_MAX = 100;

export interface Takings {
  amountFen: bigint;
  count: number;
}

export interface Dashboard {
  businessDate: string;
  today: { paid: Takings; refunded: Takings };
  /** 24 buckets, hour 0–23 of today (Asia/Shanghai); hours to come are zero. */
  byHour: (Takings & { hour: number })[];
  /** `days` buckets, oldest first, ending today. */
  byDay: (Takings & { date: string })[];
  /** Over the same days as byDay, largest first. */
  byProvider: (Takings & { providerId: string })[];
}

// Integer division in both stores (bigint / bigint); the literals keep the SELECT and GROUP BY
// expressions identical text, which PostgreSQL needs to match them.
const bucketOf = (unitMs: number) => sql<bigint>`(paid_at_ms + ${sql.lit(SHANGHAI_OFFSET_MS)}) / ${sql.lit(unitMs)}`;

const toTakings = (row: { amount: unknown; count: unknown }): Takings => ({
  amountFen: BigInt((row.amount as bigint | string | number | null) ?? 0),
  count: Number(row.count ?? 0),
});

async function paidBuckets(
  db: Kysely<Schema>,
  merchantId: string,
  [startMs, endMs]: [bigint, bigint],
  unitMs: number,
): Promise<Map<number, Takings>> {
  const rows = await db
    .selectFrom('orders')
    .select([
      bucketOf(unitMs).as('bucket'),
      (eb) => eb.fn.sum<bigint>('amount_fen').as('amount'),
      (eb) => eb.fn.countAll<bigint>().as('count'),
    ])
    .where('merchant_id', '=', merchantId)
    .where('paid_at_ms', '>=', startMs)
    .where('paid_at_ms', '<', endMs)
    .groupBy(bucketOf(unitMs))
    .execute();
  return new Map(rows.map((row) => [Number(row.bucket), toTakings(row)]));
}

async function refundedBetween(db: Kysely<Schema>, merchantId: string, [startMs, endMs]: [bigint, bigint]) {
  const row = await db
    .selectFrom('refunds')
    .select([(eb) => eb.fn.sum<bigint>('amount_fen').as('amount'), (eb) => eb.fn.countAll<bigint>().as('count')])
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'SUCCESS')
    .where('completed_at_ms', '>=', startMs)
    .where('completed_at_ms', '<', endMs)
    .executeTakeFirstOrThrow();
  return toTakings(row);
}

async function paidByProvider(db: Kysely<Schema>, merchantId: string, [startMs, endMs]: [bigint, bigint]) {
  const rows = await db
    .selectFrom('orders')
    .leftJoin('users', 'users.id', 'orders.payer_user_id')
    .select([
      'users.provider_id as provider',
      (eb) => eb.fn.sum<bigint>('orders.amount_fen').as('amount'),
      (eb) => eb.fn.countAll<bigint>().as('count'),
    ])
    .where('orders.merchant_id', '=', merchantId)
    .where('orders.paid_at_ms', '>=', startMs)
    .where('orders.paid_at_ms', '<', endMs)
    .groupBy('users.provider_id')
    .execute();
  return rows
    .map((row) => ({ providerId: row.provider ?? 'unknown', ...toTakings(row) }))
    .sort((a, b) => (b.amountFen > a.amountFen ? 1 : b.amountFen < a.amountFen ? -1 : 0));
}

export async function dashboard(
  db: Kysely<Schema>,
  merchantId: string,
  nowMs: number,
  days: number,
): Promise<Dashboard> {
  if (!Number.isInteger(days) || days < 1 || days > DASHBOARD_DAYS_MAX) {
    throw new RangeError(`the dashboard covers 1–${DASHBOARD_DAYS_MAX} days, not ${days}`);
  }
  const businessDate = businessDateOf(nowMs);
  const today = dayBoundsMs(businessDate);
  const window: [bigint, bigint] = [today[0] - BigInt((days - 1) * DAY_MS), today[1]];
  const [hours, daily, refunded, byProvider] = await Promise.all([
    paidBuckets(db, merchantId, today, HOUR_MS),
    paidBuckets(db, merchantId, window, DAY_MS),
    refundedBetween(db, merchantId, today),
    paidByProvider(db, merchantId, window),
  ]);
  const firstHour = Number((today[0] + BigInt(SHANGHAI_OFFSET_MS)) / BigInt(HOUR_MS));
  const firstDay = Number((window[0] + BigInt(SHANGHAI_OFFSET_MS)) / BigInt(DAY_MS));
  const zero: Takings = { amountFen: 0n, count: 0 };
  const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, ...(hours.get(firstHour + hour) ?? zero) }));
  const byDay = Array.from({ length: days }, (_, index) => ({
    date: new Date((firstDay + index) * DAY_MS).toISOString().slice(0, 10),
    ...(daily.get(firstDay + index) ?? zero),
  }));
  const paid = byHour.reduce(
    (sum, hour) => ({ amountFen: sum.amountFen + hour.amountFen, count: sum.count + hour.count }),
    zero,
  );
  return { businessDate, today: { paid, refunded }, byHour, byDay, byProvider };
}

export interface OrderSearch {
  outTradeNo?: string;
  statuses?: readonly OrderStatus[];
  /** Business dates (Asia/Shanghai) of creation, both included. */
  fromDate?: string;
  toDate?: string;
  limit: number;
  /** The id of the last order of the previous page. */
  before?: string;
}

export type OrderSearchError = 'invalid_request';

/** Order ids, newest first; `nextBefore` is null on the last page. */
export async function searchOrders(
  db: Kysely<Schema>,
  merchantId: string,
  search: OrderSearch,
): Promise<Result<{ orderIds: string[]; nextBefore: string | null }, OrderSearchError>> {
  if (!Number.isInteger(search.limit) || search.limit < 1 || search.limit > ORDER_PAGE_MAX) {
    throw new RangeError(`a page holds 1–${ORDER_PAGE_MAX} orders, not ${search.limit}`);
  }
  let select = db.selectFrom('orders').select(['id', 'created_at_ms']).where('merchant_id', '=', merchantId);
  if (search.outTradeNo !== undefined) select = select.where('out_trade_no', '=', search.outTradeNo);
  if (search.statuses !== undefined && search.statuses.length > 0) {
    select = select.where('status', 'in', [...search.statuses]);
  }
  if (search.fromDate !== undefined) select = select.where('created_at_ms', '>=', dayBoundsMs(search.fromDate)[0]);
  if (search.toDate !== undefined) select = select.where('created_at_ms', '<', dayBoundsMs(search.toDate)[1]);
  if (search.before !== undefined) {
    const cursor = await db
      .selectFrom('orders')
      .select(['id', 'created_at_ms'])
      .where('id', '=', search.before)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (!cursor) return problem('invalid_request', `no order ${JSON.stringify(search.before)} to page from`);
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
    .limit(search.limit + 1)
    .execute();
  const page = rows.slice(0, search.limit);
  return ok({ orderIds: page.map((row) => row.id), nextBefore: rows.length > search.limit ? page.at(-1)!.id : null });
}

/**
 * The merchant's static collection codes, oldest first, through the partial index
 * collection_codes_static, not the code of every order ever made (src/store/migrations.test.ts).
 */
export const staticCodesQuery = (db: Kysely<Schema>, merchantId: string, limit: number) =>
  db
    .selectFrom('collection_codes')
    .select(['code', 'store_id', 'created_at_ms'])
    .where('merchant_id', '=', merchantId)
    .where('kind', '=', 'static')
    .orderBy('created_at_ms')
    .limit(limit);

/** The merchant's static collection codes, by store (null: a code of the merchant without a store). */
export async function staticCodes(db: Kysely<Schema>, merchantId: string, limit: number) {
  const rows = await staticCodesQuery(db, merchantId, limit).execute();
  return rows.map((row) => ({ code: row.code, storeId: row.store_id, createdAtMs: BigInt(row.created_at_ms) }));
}

/** The merchant's API apps: what its servers sign with and where webhooks go. */
export async function merchantApps(db: Kysely<Schema>, merchantId: string, limit: number) {
  const rows = await db
    .selectFrom('merchant_apps')
    .select(['app_id', 'key_algorithm', 'public_key_pem', 'webhook_url', 'created_at_ms'])
    .where('merchant_id', '=', merchantId)
    .orderBy('created_at_ms')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    appId: row.app_id,
    keyAlgorithm: row.key_algorithm,
    publicKeyPem: row.public_key_pem,
    webhookUrl: row.webhook_url,
    createdAtMs: BigInt(row.created_at_ms),
  }));
}
