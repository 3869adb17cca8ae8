// Consumer-presented payment codes: a numeric one-time code in the provider's prefix and length,
// bound to the device that asked for it, valid for a minute (the wallet shows a new one every
// 60 s), and spent in one guarded statement so that it can never pay twice.
import { randomInt } from 'node:crypto';
import type { User } from '../identity/service.js';
import type { NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';

export interface PaymentCode {
  code: string;
  userId: string;
  deviceId: string;
  providerId: string;
  issuedAtMs: bigint;
  expiresAtMs: bigint;
}

export type PaymentCodeError = 'payment_code_invalid' | 'payment_code_expired' | 'payment_code_used';

export interface PaymentCodeService {
  issue(user: User, deviceId: string): Promise<PaymentCode>;
  /** Who a scanned code belongs to, if it can still pay. */
  resolve(code: string): Promise<Result<PaymentCode, PaymentCodeError>>;
  /** Spends the code for an order; false when someone spent it first (or it expired meanwhile). */
  spend(code: string, orderId: string): Promise<boolean>;
  /** The provider whose prefix the code carries (what an aggregator routes by). */
  providerOf(code: string): Promise<string | null>;
}

export function createPaymentCodeService(deps: {
  store: Store;
  clock: Clock;
  network: NetworkService;
}): PaymentCodeService {
  const { store, clock, network } = deps;
  const db = store.db;
  const now = () => BigInt(clock.nowMs());

  return {
    async issue(user, deviceId) {
      const policy = (await network.getProvider(user.providerId))!.policy.payments;
      const issuedAtMs = now();
      const expiresAtMs = issuedAtMs + BigInt(policy.paymentCodeTtlSeconds) * 1000n;
      // Random digits after the prefix; the primary key catches the rare repeat, and we draw again.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const code =
          policy.paymentCodePrefix + randomDigits(policy.paymentCodeLength - policy.paymentCodePrefix.length);
        const inserted = await db
          .insertInto('payment_codes')
          .values({
            code,
            user_id: user.id,
            device_id: deviceId,
            provider_id: user.providerId,
            issued_at_ms: issuedAtMs,
            expires_at_ms: expiresAtMs,
          })
          .onConflict((conflict) => conflict.column('code').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) {
          return { code, userId: user.id, deviceId, providerId: user.providerId, issuedAtMs, expiresAtMs };
        }
      }
      throw new Error('could not draw an unused payment code in 5 tries');
    },

    async resolve(code) {
      if (!/^[0-9]{10,24}$/.test(code)) return problem('payment_code_invalid', 'a payment code is 10–24 digits');
      const row = await db.selectFrom('payment_codes').selectAll().where('code', '=', code).executeTakeFirst();
      if (!row) return problem('payment_code_invalid', 'this payment code was not issued by this network');
      if (row.used_at_ms !== null)
        return problem('payment_code_used', 'this payment code has already been used; ask the payer to refresh it');
      if (BigInt(row.expires_at_ms) <= now()) {
        return problem('payment_code_expired', 'this payment code has expired; ask the payer to show the new one');
      }
      // Bound to the device that showed it: a device signed out (lost phone) cannot pay any more.
      const device = await db
        .selectFrom('sessions')
        .select('token_hash')
        .where('device_id', '=', row.device_id)
        .where('expires_at_ms', '>', now())
        .executeTakeFirst();
      if (!device) {
        return problem('payment_code_invalid', 'the device that showed this payment code has been signed out');
      }
      return ok({
        code,
        userId: row.user_id,
        deviceId: row.device_id,
        providerId: row.provider_id,
        issuedAtMs: BigInt(row.issued_at_ms),
        expiresAtMs: BigInt(row.expires_at_ms),
      });
    },

    async spend(code, orderId) {
      const spent = await db
        .updateTable('payment_codes')
        .set({ used_at_ms: now(), order_id: orderId })
        .where('code', '=', code)
        .where('used_at_ms', 'is', null)
        .where('expires_at_ms', '>', now())
        .executeTakeFirst();
      return Number(spent.numUpdatedRows) === 1;
    },

    async providerOf(code) {
      const providers = await network.listProviders();
      const match = providers.find(
        (provider) =>
          code.startsWith(provider.policy.payments.paymentCodePrefix) &&
          code.length === provider.policy.payments.paymentCodeLength,
      );
      return match?.id ?? null;
    },
  };
}

function randomDigits(count: number): string {
  let digits = '';
  for (let index = 0; index < count; index += 1) digits += String(randomInt(10));
  return digits;
}
