// Identity: users of a wallet provider — sign-up with phone and password, sessions and devices,
// the six-digit payment PIN with its lockout, and the real-name tiers (class I with a phone,
// class II with a verified name and resident ID, class III with a bank card in the same name).
// ID numbers are stored sealed (AES-GCM) with a blind index for look-ups, and shown masked.
import { sql, type Selectable } from 'kysely';
import { AccountKeys, AccountCodes, CNY_LEDGER_ID, OwnerRefs } from '../network/chart.js';
import type { TierLevel } from '../network/policy.js';
import type { NetworkService } from '../network/service.js';
import type { LedgerService } from '../ledger/service.js';
import { AccountFlags } from '../ledger/types.js';
import type { Clock } from '../shared/clock.js';
import type { FieldCipher } from '../shared/field-cipher.js';
import { maskIdNumber, maskName, maskPhone } from '../shared/mask.js';
import { hashSecret, newToken, sha256Hex, verifySecret } from '../shared/passwords.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';
import type { UsersTable } from '../store/schema.js';
import { queryTemplate, type Param } from '../store/templates.js';
import { validateResidentId } from './resident-id.js';
import { createRecentCache } from '../shared/recent-cache.js';
import { createSignedInCache } from './signed-in-cache.js';

/** Masked ID numbers kept per process (a few MB at most). */
const MASKED_IDS_MAX = 50_000;
/** Signed-in sessions remembered per process on SQLite (signed-in-cache.ts); past it, it starts again. */
const SIGNED_IN_MAX = 65_536;

export interface User {
  id: string;
  providerId: string;
  phone: string;
  tier: TierLevel;
  realName: string | null;
  /** Blind index of the resident ID number: the same person has the same value everywhere. */
  idNumberIndex: string | null;
  /** The resident ID number masked (`1****************8`), or null before real-name. */
  idNumberMasked: string | null;
  walletAccountId: bigint;
  status: 'active' | 'frozen';
  pinSet: boolean;
  createdAtMs: bigint;
}

export interface Session {
  token: string;
  userId: string;
  deviceId: string;
  expiresAtMs: bigint;
}

export interface Device {
  id: string;
  name: string;
  createdAtMs: bigint;
  lastSeenAtMs: bigint;
  current: boolean;
}

export type IdentityError =
  | 'unknown_provider'
  | 'phone_taken'
  | 'invalid_credentials'
  | 'provider_required'
  | 'user_not_found'
  | 'device_not_found'
  | 'pin_not_set'
  | 'wrong_pin'
  | 'pin_locked'
  | 'invalid_id_number'
  | 'real_name_already_verified';

/** A browser session or an API token lives this long, then the user logs in again. */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
export const PHONE_PATTERN = '^1[3-9][0-9]{9}$';
export const PIN_PATTERN = '^[0-9]{6}$';
export const PASSWORD_LENGTH_MIN = 8;

export interface IdentityService {
  signUp(input: {
    providerId: string;
    phone: string;
    password: string;
    deviceName: string;
  }): Promise<Result<{ user: User; session: Session }, IdentityError>>;
  logIn(input: {
    providerId?: string;
    phone: string;
    password: string;
    deviceName: string;
    deviceId?: string;
  }): Promise<Result<{ user: User; session: Session }, IdentityError>>;
  /** The user behind a session token, or null when the token is unknown or expired. */
  authenticate(token: string): Promise<{ user: User; session: Session } | null>;
  logOut(token: string): Promise<void>;
  getUser(id: string): Promise<User | null>;
  findByPhone(providerId: string, phone: string): Promise<User | null>;
  findByWalletAccount(accountId: bigint): Promise<User | null>;
  setPin(userId: string, input: { password: string; pin: string }): Promise<Result<void, IdentityError>>;
  /** Checks the payment PIN; five wrong tries in a row lock it (provider policy). */
  verifyPin(userId: string, pin: string): Promise<Result<void, IdentityError>>;
  verifyRealName(userId: string, input: { name: string; idNumber: string }): Promise<Result<User, IdentityError>>;
  /** Class III: called when a bank card whose holder is this person has been verified. */
  raiseToClassThree(userId: string): Promise<User>;
  listDevices(userId: string, currentDeviceId: string): Promise<Device[]>;
  removeDevice(userId: string, deviceId: string): Promise<Result<void, IdentityError>>;
  setStatus(userId: string, status: User['status']): Promise<User | null>;
}

/** How a user appears to others: the masked real name, or the masked phone before real-name. */
export const displayName = (user: User): string =>
  user.realName !== null ? maskName(user.realName) : maskPhone(user.phone);

export interface IdentityDeps {
  store: Store;
  ledger: LedgerService;
  network: NetworkService;
  clock: Clock;
  cipher: FieldCipher;
}

const userRow = queryTemplate((db, p: Param<{ id: string }>) =>
  db.selectFrom('users').selectAll().where('id', '=', p('id')),
);

const sessionWithUser = queryTemplate((db, p: Param<{ token_hash: string }>) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select(['sessions.device_id as session_device_id', 'sessions.expires_at_ms as session_expires_at_ms'])
    .where('sessions.token_hash', '=', p('token_hash')),
);

export function createIdentityService(deps: IdentityDeps): IdentityService {
  const { store, ledger, network, clock, cipher } = deps;
  const db = store.db;
  const now = () => BigInt(clock.nowMs());
  // Every request loads its user; opening the sealed ID number each time only to mask it again
  // costs more than the query. The masked form of each sealed value is kept (it never changes).
  const maskedBySealed = createRecentCache<string, string>(Number.POSITIVE_INFINITY, MASKED_IDS_MAX);
  // On SQLite every write to users and sessions is made here, by this process: `written()`
  // after each one keeps the cache exact. On PostgreSQL another server may write, so no cache.
  const signedIn =
    store.kind === 'sqlite'
      ? createSignedInCache<{ user: User; session: Omit<Session, 'token'> }>(SIGNED_IN_MAX)
      : null;
  const written = () => signedIn?.changed();
  const maskedIdNumber = (sealed: string): string => {
    let masked = maskedBySealed.get(sealed);
    if (masked === undefined) maskedBySealed.set(sealed, (masked = maskIdNumber(cipher.decrypt(sealed))));
    return masked;
  };

  const toUser = (row: Selectable<UsersTable>): User => ({
    id: row.id,
    providerId: row.provider_id,
    phone: row.phone,
    tier: Number(row.tier) as TierLevel,
    realName: row.real_name,
    idNumberIndex: row.id_number_index,
    idNumberMasked: row.id_number_sealed === null ? null : maskedIdNumber(row.id_number_sealed),
    walletAccountId: BigInt(row.wallet_account_id),
    status: row.status === 'frozen' ? 'frozen' : 'active',
    pinSet: row.pin_hash !== null,
    createdAtMs: BigInt(row.created_at_ms),
  });

  const userById = async (id: string) => {
    const row = await userRow.first(store, { id });
    return row ? toUser(row) : null;
  };

  const openSession = async (userId: string, deviceName: string, deviceId?: string): Promise<Session> => {
    const at = now();
    let device = deviceId
      ? await db
          .selectFrom('devices')
          .select('id')
          .where('id', '=', deviceId)
          .where('user_id', '=', userId)
          .executeTakeFirst()
      : undefined;
    if (device) {
      await db.updateTable('devices').set({ last_seen_at_ms: at }).where('id', '=', device.id).execute();
    } else {
      device = { id: `dev_${newToken(12)}` };
      await db
        .insertInto('devices')
        .values({ id: device.id, user_id: userId, name: deviceName, created_at_ms: at, last_seen_at_ms: at })
        .execute();
    }
    const token = newToken();
    const expiresAtMs = at + BigInt(SESSION_TTL_MS);
    await db
      .insertInto('sessions')
      .values({
        token_hash: sha256Hex(token),
        user_id: userId,
        device_id: device.id,
        created_at_ms: at,
        expires_at_ms: expiresAtMs,
      })
      .execute();
    return { token, userId, deviceId: device.id, expiresAtMs };
  };

  const service: IdentityService = {
    async signUp(input) {
      const provider = await network.getProvider(input.providerId);
      if (!provider) return problem('unknown_provider', `there is no wallet provider "${input.providerId}"`);
      if (await service.findByPhone(input.providerId, input.phone)) {
        return problem(
          'phone_taken',
          `${maskPhone(input.phone)} already has a ${provider.name} account; log in instead`,
        );
      }
      const userId = `u_${newToken(12)}`;
      // The wallet account first: a user row never exists without its account. A lost race for
      // the phone leaves an empty, unused account behind, which the books do not mind.
      const account = await ledger.createAccount({
        key: AccountKeys.wallet(userId),
        institutionId: provider.id,
        ledgerId: CNY_LEDGER_ID,
        code: AccountCodes.wallet,
        ownerRef: OwnerRefs.user(userId),
        flags: AccountFlags.debitsMustNotExceedCredits,
      });
      if (!account.ok) throw new Error(`cannot open a wallet account: ${account.error.message}`);
      const inserted = await db
        .insertInto('users')
        .values({
          id: userId,
          provider_id: provider.id,
          phone: input.phone,
          password_hash: await hashSecret(input.password),
          tier: 1,
          wallet_account_id: account.value.id,
          created_at_ms: now(),
        })
        .onConflict((conflict) => conflict.columns(['provider_id', 'phone']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) {
        return problem(
          'phone_taken',
          `${maskPhone(input.phone)} already has a ${provider.name} account; log in instead`,
        );
      }
      const user = (await userById(userId))!;
      return ok({ user, session: await openSession(userId, input.deviceName) });
    },

    async logIn(input) {
      const refused = problem('invalid_credentials', 'the phone number or the password is wrong');
      let query = db.selectFrom('users').selectAll().where('phone', '=', input.phone);
      if (input.providerId !== undefined) query = query.where('provider_id', '=', input.providerId);
      const rows = await query.limit(2).execute();
      if (rows.length > 1) {
        return problem('provider_required', 'this phone number has accounts at several providers: name the provider');
      }
      const row = rows[0];
      // Hash anyway when the phone is unknown, so that timing does not tell which phones exist.
      const valid = await verifySecret(input.password, row?.password_hash ?? UNKNOWN_USER_HASH);
      if (!row || !valid) return refused;
      return ok({ user: toUser(row), session: await openSession(row.id, input.deviceName, input.deviceId) });
    },

    async authenticate(token) {
      const remembered = signedIn?.get(token);
      if (remembered) {
        if (remembered.session.expiresAtMs <= now()) return null;
        return { user: remembered.user, session: { ...remembered.session, token } };
      }
      const seen = signedIn?.generation() ?? 0;
      // Every signed-in request asks: the session and its user in one statement.
      const row = await sessionWithUser.first(store, { token_hash: sha256Hex(token) });
      if (!row || BigInt(row.session_expires_at_ms) <= now()) return null;
      const session = {
        userId: row.id,
        deviceId: row.session_device_id,
        expiresAtMs: BigInt(row.session_expires_at_ms),
      };
      const user = toUser(row);
      signedIn?.remember(token, { user, session }, seen);
      return { user, session: { ...session, token } };
    },

    async logOut(token) {
      await db.deleteFrom('sessions').where('token_hash', '=', sha256Hex(token)).execute();
      written();
    },

    getUser: userById,

    async findByPhone(providerId, phone) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('provider_id', '=', providerId)
        .where('phone', '=', phone)
        .executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async findByWalletAccount(accountId) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('wallet_account_id', '=', accountId)
        .executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async setPin(userId, input) {
      const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
      if (!row) return problem('user_not_found', 'no such user');
      if (!(await verifySecret(input.password, row.password_hash))) {
        return problem('invalid_credentials', 'the password is wrong');
      }
      await db
        .updateTable('users')
        .set({ pin_hash: await hashSecret(input.pin), pin_failures: 0, pin_locked_until_ms: null })
        .where('id', '=', userId)
        .execute();
      written();
      return ok(undefined);
    },

    async verifyPin(userId, pin) {
      const row = await db
        .selectFrom('users')
        .select(['pin_hash', 'pin_failures', 'pin_locked_until_ms', 'provider_id'])
        .where('id', '=', userId)
        .executeTakeFirst();
      if (!row) return problem('user_not_found', 'no such user');
      if (row.pin_hash === null) return problem('pin_not_set', 'set a six-digit payment PIN first (PUT /v1/me/pin)');
      const at = now();
      const lockedUntil = row.pin_locked_until_ms === null ? null : BigInt(row.pin_locked_until_ms);
      if (lockedUntil !== null && lockedUntil > at) return lockedProblem(lockedUntil, at);
      const policy = (await network.getProvider(row.provider_id))!.policy.pin;
      if (await verifySecret(pin, row.pin_hash)) {
        if (Number(row.pin_failures) !== 0 || lockedUntil !== null) {
          await db
            .updateTable('users')
            .set({ pin_failures: 0, pin_locked_until_ms: null })
            .where('id', '=', userId)
            .execute();
          written();
        }
        return ok(undefined);
      }
      // One statement counts the failure, so two wrong tries at once are two, and the one that
      // reaches the maximum sets the lock. A lock that has run out starts the count again.
      const lockUntilMs = at + BigInt(policy.lockSeconds) * 1000n;
      const failuresMax = policy.failuresMax;
      const counted = await db
        .updateTable('users')
        .set({
          pin_failures: sql`CASE WHEN pin_locked_until_ms IS NOT NULL THEN 1 ELSE pin_failures + 1 END`,
          pin_locked_until_ms: sql`CASE WHEN pin_locked_until_ms IS NULL AND pin_failures + 1 >= CAST(${failuresMax} AS integer) THEN CAST(${lockUntilMs} AS bigint) ELSE NULL END`,
        })
        .where('id', '=', userId)
        .returning(['pin_failures', 'pin_locked_until_ms'])
        .executeTakeFirstOrThrow();
      written();
      if (counted.pin_locked_until_ms !== null) return lockedProblem(BigInt(counted.pin_locked_until_ms), at);
      const left = failuresMax - Number(counted.pin_failures);
      return problem(
        'wrong_pin',
        `the payment PIN is wrong; ${left} ${left === 1 ? 'try' : 'tries'} left before it locks`,
      );
    },

    async verifyRealName(userId, input) {
      const user = await userById(userId);
      if (!user) return problem('user_not_found', 'no such user');
      if (user.tier >= 2) return problem('real_name_already_verified', 'your real name is already verified');
      const today = new Date(clock.nowMs() + 8 * 3600 * 1000).toISOString().slice(0, 10);
      const checked = validateResidentId(input.idNumber, today);
      if (!checked.ok) return checked;
      await db
        .updateTable('users')
        .set({
          tier: 2,
          real_name: input.name,
          id_number_sealed: cipher.encrypt(checked.value.number),
          id_number_index: cipher.blindIndex(checked.value.number),
        })
        .where('id', '=', userId)
        .where('tier', '=', 1)
        .execute();
      written();
      return ok((await userById(userId))!);
    },

    async raiseToClassThree(userId) {
      await db.updateTable('users').set({ tier: 3 }).where('id', '=', userId).where('tier', '=', 2).execute();
      written();
      return (await userById(userId))!;
    },

    async listDevices(userId, currentDeviceId) {
      const rows = await db
        .selectFrom('devices')
        .selectAll()
        .where('user_id', '=', userId)
        .where((eb) =>
          eb.exists(eb.selectFrom('sessions').select('token_hash').whereRef('sessions.device_id', '=', 'devices.id')),
        )
        .orderBy('last_seen_at_ms', 'desc')
        .limit(100)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        createdAtMs: BigInt(row.created_at_ms),
        lastSeenAtMs: BigInt(row.last_seen_at_ms),
        current: row.id === currentDeviceId,
      }));
    },

    async removeDevice(userId, deviceId) {
      const device = await db
        .selectFrom('devices')
        .select('id')
        .where('id', '=', deviceId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!device) return problem('device_not_found', `you have no device ${deviceId}`);
      await db.deleteFrom('sessions').where('device_id', '=', deviceId).execute();
      written();
      return ok(undefined);
    },

    async setStatus(userId, status) {
      await db.updateTable('users').set({ status }).where('id', '=', userId).execute();
      written();
      return userById(userId);
    },
  };
  return service;
}

function lockedProblem(lockedUntilMs: bigint, nowMs: bigint) {
  const minutes = Number((lockedUntilMs - nowMs + 59_999n) / 60_000n);
  return problem(
    'pin_locked' as const,
    `the payment PIN is locked after too many wrong tries; try again in ${minutes} minutes or reset it with your password`,
  );
}

/** A valid scrypt hash of a random secret, so an unknown phone costs as much as a wrong password. */
const UNKNOWN_USER_HASH = await hashSecret(newToken());
