// What the operator console reads: paid orders per second over a recent window, search of users
// and merchants, and the users whose real-name step is recorded. Every list has a maximum.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Schema } from '../store/schema.js';

export const PAYMENTS_WINDOW_SECONDS_DEFAULT = 60;
export const PAYMENTS_WINDOW_SECONDS_MAX = 600;
export const SEARCH_RESULTS_MAX = 20;
export const REVIEW_PAGE_DEFAULT = 20;
export const REVIEW_PAGE_MAX = 100;

export interface PaymentsPerSecond {
  /** The first second of the window (UTC ms), then one entry a second, oldest first; the last is the current second. */
  startMs: number;
  counts: number[];
  amountsFen: bigint[];
}

const SECOND = sql<bigint>`paid_at_ms / ${sql.lit(1000)}`;

/** Paid orders per second over the last `windowSeconds` seconds up to `nowMs` (the current second included). */
export async function paymentsPerSecond(
  db: Kysely<Schema>,
  nowMs: number,
  windowSeconds: number,
): Promise<PaymentsPerSecond> {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > PAYMENTS_WINDOW_SECONDS_MAX) {
    throw new RangeError(`the window is 1–${PAYMENTS_WINDOW_SECONDS_MAX} seconds, not ${windowSeconds}`);
  }
  const lastSecond = Math.floor(nowMs / 1000);
  const firstSecond = lastSecond - windowSeconds + 1;
  const rows = await db
    .selectFrom('orders')
    .select([
      SECOND.as('second'),
      (eb) => eb.fn.countAll<bigint>().as('count'),
      (eb) => eb.fn.sum<bigint>('amount_fen').as('amount'),
    ])
    .where('paid_at_ms', '>=', BigInt(firstSecond * 1000))
    .where('paid_at_ms', '<', BigInt((lastSecond + 1) * 1000))
    .groupBy(SECOND)
    .execute();
  const counts = new Array<number>(windowSeconds).fill(0);
  const amountsFen = new Array<bigint>(windowSeconds).fill(0n);
  for (const row of rows) {
    const index = Number(row.second) - firstSecond;
    // The WHERE bounds the seconds to the window; anything else is a broken query.
    if (index < 0 || index >= windowSeconds) throw new Error(`second ${row.second} outside the window`);
    counts[index] = Number(row.count);
    amountsFen[index] = BigInt(row.amount ?? 0);
  }
  return { startMs: firstSecond * 1000, counts, amountsFen };
}

/** `%text%` for LIKE, with the wildcards in the text itself escaped by `\`. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
const likeEscaped = (column: string, pattern: string) => sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;

export interface UserHit {
  id: string;
  providerId: string;
  phone: string;
  realName: string | null;
  tier: number;
  status: string;
  createdAtMs: bigint;
}

export interface MerchantHit {
  id: string;
  providerId: string;
  name: string;
  kind: string;
  mcc: string;
  status: string;
  createdAtMs: bigint;
}

const toUserHit = (row: {
  id: string;
  provider_id: string;
  phone: string;
  real_name: string | null;
  tier: number | bigint;
  status: string;
  created_at_ms: bigint;
}): UserHit => ({
  id: row.id,
  providerId: row.provider_id,
  phone: row.phone,
  realName: row.real_name,
  tier: Number(row.tier),
  status: row.status,
  createdAtMs: BigInt(row.created_at_ms),
});

const USER_COLUMNS = ['id', 'provider_id', 'phone', 'real_name', 'tier', 'status', 'created_at_ms'] as const;

/**
 * The digit strings that begin with `prefix`, as a range of the phone index: from the prefix up
 * to the prefix with its last digit raised ('138' → up to '139', '1399' → up to '14'); a prefix of
 * nines has no end. A LIKE 'prefix%' would read every user: SQLite's LIKE ignores case, so it
 * cannot use an index on a case-sensitive column, nor can PostgreSQL's outside the C locale.
 */
export function phonePrefixRange(prefix: string): { from: string; before: string | null } {
  const kept = prefix.replace(/9+$/, '');
  if (kept.length === 0) return { from: prefix, before: null };
  const last = Number(kept[kept.length - 1]);
  return { from: prefix, before: `${kept.slice(0, -1)}${last + 1}` };
}

/** Users whose phone begins with the digits typed, through the phone index. */
const phoneBeginsWith = (eb: ExpressionBuilder<Schema, 'users'>, digits: string) => {
  const range = phonePrefixRange(digits);
  return range.before === null
    ? eb('phone', '>=', range.from)
    : eb.and([eb('phone', '>=', range.from), eb('phone', '<', range.before)]);
};

/** Users by id, or by phone (3–11 digits typed: a prefix) or else by real name (contains), newest first. */
export function userSearchQuery(db: Kysely<Schema>, query: string) {
  const isDigits = /^[0-9]{3,11}$/.test(query);
  return db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .where((eb) =>
      eb.or([
        eb('id', '=', query),
        isDigits ? phoneBeginsWith(eb, query) : likeEscaped('real_name', containsPattern(query)),
      ]),
    )
    .orderBy('created_at_ms', 'desc')
    .limit(SEARCH_RESULTS_MAX);
}

/**
 * Users by id, by phone (the digits typed are a prefix) or by real name (contains); merchants by id
 * or by name (contains). `text` is trimmed and 1–64 characters.
 */
export async function searchPeople(
  db: Kysely<Schema>,
  text: string,
): Promise<{ users: UserHit[]; merchants: MerchantHit[] }> {
  const query = text.trim();
  if (query.length === 0 || query.length > 64) throw new RangeError('search text is 1–64 characters');
  const users = await userSearchQuery(db, query).execute();
  const merchants = await db
    .selectFrom('merchants')
    .select(['id', 'provider_id', 'name', 'kind', 'mcc', 'status', 'created_at_ms'])
    .where((eb) => eb.or([eb('id', '=', query), likeEscaped('name', containsPattern(query))]))
    .orderBy('created_at_ms', 'desc')
    .limit(SEARCH_RESULTS_MAX)
    .execute();
  return {
    users: users.map(toUserHit),
    merchants: merchants.map((row) => ({
      id: row.id,
      providerId: row.provider_id,
      name: row.name,
      kind: row.kind,
      mcc: row.mcc,
      status: row.status,
      createdAtMs: BigInt(row.created_at_ms),
    })),
  };
}

/**
 * Users who have given their real name and ID number (class II and up), newest accounts first.
 * Saoma records no time of the real-name step and has no manual review yet: this is the list an
 * operator would review, ordered by the account's creation.
 */
export async function realNameUsers(db: Kysely<Schema>, options: RealNamePage): Promise<UserHit[]> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > REVIEW_PAGE_MAX + 1) {
    throw new RangeError(`a page holds 1–${REVIEW_PAGE_MAX} users`);
  }
  return (await realNameUsersQuery(db, options).execute()).map(toUserHit);
}

export interface RealNamePage {
  limit: number;
  before?: { createdAtMs: bigint; id: string };
}

/**
 * One page of realNameUsers, read from the partial index users_real_named: the first page reads
 * only its own rows, a later one seeks to its cursor (a row-value comparison, which SQLite can
 * seek with) instead of stepping over every newer user (src/store/migrations.test.ts).
 */
export const realNameUsersQuery = (db: Kysely<Schema>, { limit, before }: RealNamePage) => {
  let select = db.selectFrom('users').select(USER_COLUMNS).where('real_name', 'is not', null);
  if (before !== undefined) {
    select = select.where(({ eb, refTuple, tuple }) =>
      eb(refTuple('created_at_ms', 'id'), '<', tuple(before.createdAtMs, before.id)),
    );
  }
  return select.orderBy('created_at_ms', 'desc').orderBy('id', 'desc').limit(limit);
};

/** How many users and merchants each provider has (the institutions page). */
export async function countsByProvider(db: Kysely<Schema>) {
  const [users, merchants] = await Promise.all([
    db
      .selectFrom('users')
      .select(['provider_id', (eb) => eb.fn.countAll<bigint>().as('count')])
      .groupBy('provider_id')
      .execute(),
    db
      .selectFrom('merchants')
      .select(['provider_id', (eb) => eb.fn.countAll<bigint>().as('count')])
      .groupBy('provider_id')
      .execute(),
  ]);
  return {
    users: new Map(users.map((row) => [row.provider_id, Number(row.count)])),
    merchants: new Map(merchants.map((row) => [row.provider_id, Number(row.count)])),
  };
}
