// Merchant portal users: the people who run a merchant's back office in a browser. An operator
// creates them per merchant; they log in with a phone number or an e-mail address and a
// password (scrypt), and get a session token kept only as its SHA-256, sent as an HTTP-only
// cookie. A portal user sees and acts for exactly one merchant.
import { PASSWORD_LENGTH_MIN, PHONE_PATTERN } from '../identity/service.js';
import type { MerchantService } from '../merchant/service.js';
import type { Clock } from '../shared/clock.js';
import { hashSecret, newToken, sha256Hex, verifySecret } from '../shared/passwords.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';

export interface PortalUser {
  id: string;
  merchantId: string;
  login: string;
  name: string;
  createdAtMs: bigint;
  lastLoginAtMs: bigint | null;
}

export interface PortalSession {
  token: string;
  portalUserId: string;
  expiresAtMs: bigint;
}

export type PortalUserError =
  'invalid_portal_user' | 'portal_login_taken' | 'merchant_not_found' | 'invalid_credentials';

/** A back-office session lasts a working day, then the person logs in again. */
export const PORTAL_SESSION_TTL_MS = 12 * 3600 * 1000;
export const PASSWORD_LENGTH_MAX = 128;
const NAME_LENGTH_MAX = 50;
const EMAIL_LENGTH_MAX = 254;
/** Deliberately loose: one @, something on each side, a dot in the domain, no spaces. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Expired sessions of one user removed at each of their log-ins, at most. */
const EXPIRED_SESSIONS_SWEPT_MAX = 100;
/** Verified when the login is unknown, so that timing does not tell which logins exist. */
const UNKNOWN_USER_HASH = await hashSecret(newToken(16));

export interface PortalUserService {
  create(
    merchantId: string,
    input: { login: string; name: string; password: string },
  ): Promise<Result<PortalUser, PortalUserError>>;
  logIn(input: {
    login: string;
    password: string;
  }): Promise<Result<{ user: PortalUser; session: PortalSession }, PortalUserError>>;
  /** The user behind a session token, or null when it is unknown or expired. */
  authenticate(token: string): Promise<{ user: PortalUser; session: PortalSession } | null>;
  logOut(token: string): Promise<void>;
  listForMerchant(merchantId: string): Promise<PortalUser[]>;
  findByLogin(login: string): Promise<PortalUser | null>;
}

/** A phone number as typed, or an e-mail in lower case; null when it is neither. */
export function normalizeLogin(login: string): string | null {
  const trimmed = login.trim();
  if (new RegExp(PHONE_PATTERN).test(trimmed)) return trimmed;
  const email = trimmed.toLowerCase();
  return email.length <= EMAIL_LENGTH_MAX && EMAIL_PATTERN.test(email) ? email : null;
}

type UserRow = {
  id: string;
  merchant_id: string;
  login: string;
  name: string;
  created_at_ms: bigint;
  last_login_at_ms: bigint | null;
};

const toUser = (row: UserRow): PortalUser => ({
  id: row.id,
  merchantId: row.merchant_id,
  login: row.login,
  name: row.name,
  createdAtMs: BigInt(row.created_at_ms),
  lastLoginAtMs: row.last_login_at_ms === null ? null : BigInt(row.last_login_at_ms),
});

const USER_COLUMNS = ['id', 'merchant_id', 'login', 'name', 'created_at_ms', 'last_login_at_ms'] as const;

export function createPortalUserService(deps: {
  store: Store;
  clock: Clock;
  merchants: Pick<MerchantService, 'get'>;
}): PortalUserService {
  const db = deps.store.db;
  const now = () => BigInt(deps.clock.nowMs());

  const checkInput = (input: { login: string; name: string; password: string }) => {
    const login = normalizeLogin(input.login);
    if (login === null) {
      return problem('invalid_portal_user', 'the login must be a mainland mobile number or an e-mail address');
    }
    const name = input.name.trim();
    if (name.length === 0 || name.length > NAME_LENGTH_MAX) {
      return problem('invalid_portal_user', `the name must be 1–${NAME_LENGTH_MAX} characters`);
    }
    if (input.password.length < PASSWORD_LENGTH_MIN || input.password.length > PASSWORD_LENGTH_MAX) {
      return problem(
        'invalid_portal_user',
        `the password must be ${PASSWORD_LENGTH_MIN}–${PASSWORD_LENGTH_MAX} characters`,
      );
    }
    return ok({ login, name, password: input.password });
  };

  const openSession = async (user: PortalUser): Promise<PortalSession> => {
    const at = now();
    const token = newToken();
    const expiresAtMs = at + BigInt(PORTAL_SESSION_TTL_MS);
    const expired = await db
      .selectFrom('portal_sessions')
      .select('token_hash')
      .where('portal_user_id', '=', user.id)
      .where('expires_at_ms', '<=', at)
      .limit(EXPIRED_SESSIONS_SWEPT_MAX)
      .execute();
    if (expired.length > 0) {
      await db
        .deleteFrom('portal_sessions')
        .where(
          'token_hash',
          'in',
          expired.map((row) => row.token_hash),
        )
        .execute();
    }
    await db
      .insertInto('portal_sessions')
      .values({ token_hash: sha256Hex(token), portal_user_id: user.id, created_at_ms: at, expires_at_ms: expiresAtMs })
      .execute();
    await db.updateTable('portal_users').set({ last_login_at_ms: at }).where('id', '=', user.id).execute();
    return { token, portalUserId: user.id, expiresAtMs };
  };

  const service: PortalUserService = {
    async create(merchantId, input) {
      const checked = checkInput(input);
      if (!checked.ok) return checked;
      if (!(await deps.merchants.get(merchantId))) return problem('merchant_not_found', `no merchant ${merchantId}`);
      const id = `pu_${newToken(12)}`;
      const inserted = await db
        .insertInto('portal_users')
        .values({
          id,
          merchant_id: merchantId,
          login: checked.value.login,
          name: checked.value.name,
          password_hash: await hashSecret(checked.value.password),
          created_at_ms: now(),
          last_login_at_ms: null,
        })
        .onConflict((conflict) => conflict.column('login').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) {
        return problem('portal_login_taken', `${checked.value.login} is already a portal login`);
      }
      return ok((await service.findByLogin(checked.value.login))!);
    },

    async logIn(input) {
      const refused = problem('invalid_credentials', 'the login or the password is wrong');
      const login = normalizeLogin(input.login);
      const row =
        login === null
          ? undefined
          : await db
              .selectFrom('portal_users')
              .select([...USER_COLUMNS, 'password_hash'])
              .where('login', '=', login)
              .executeTakeFirst();
      const valid = await verifySecret(input.password, row?.password_hash ?? UNKNOWN_USER_HASH);
      if (!row || !valid) return refused;
      const user = toUser(row);
      return ok({ user, session: await openSession(user) });
    },

    async authenticate(token) {
      const row = await db
        .selectFrom('portal_sessions')
        .innerJoin('portal_users', 'portal_users.id', 'portal_sessions.portal_user_id')
        .select([
          'portal_users.id',
          'portal_users.merchant_id',
          'portal_users.login',
          'portal_users.name',
          'portal_users.created_at_ms',
          'portal_users.last_login_at_ms',
          'portal_sessions.expires_at_ms',
        ])
        .where('portal_sessions.token_hash', '=', sha256Hex(token))
        .executeTakeFirst();
      if (!row || BigInt(row.expires_at_ms) <= now()) return null;
      return { user: toUser(row), session: { token, portalUserId: row.id, expiresAtMs: BigInt(row.expires_at_ms) } };
    },

    async logOut(token) {
      await db.deleteFrom('portal_sessions').where('token_hash', '=', sha256Hex(token)).execute();
    },

    async listForMerchant(merchantId) {
      const rows = await db
        .selectFrom('portal_users')
        .select(USER_COLUMNS)
        .where('merchant_id', '=', merchantId)
        .orderBy('created_at_ms')
        .limit(200)
        .execute();
      return rows.map(toUser);
    },

    async findByLogin(login) {
      const normalized = normalizeLogin(login);
      if (normalized === null) return null;
      const row = await db
        .selectFrom('portal_users')
        .select(USER_COLUMNS)
        .where('login', '=', normalized)
        .executeTakeFirst();
      return row ? toUser(row) : null;
    },
  };
  return service;
}
