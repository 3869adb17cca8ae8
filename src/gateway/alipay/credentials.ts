// What the seed and the CLI call to give a merchant an Alipay app and to say how to reach it:
// registering the app's RSA public key under an Alipay-style app id, a fresh key pair for a demo,
// and the options an alipay-sdk integration needs to talk to this server.
import { generateKeyPairSync, randomInt } from 'node:crypto';
import type { Modules } from '../../modules.js';
import { parsePublicKey } from '../../merchant/signature.js';
import { ok, problem, type Result } from '../../shared/result.js';
import { gatewayKey } from '../platform-keys.js';
import { GATEWAY_PATH } from './classic-routes.js';

/** Alipay's app ids are 16 digits (`2021000122671080`); ours start with 2021 too. */
export const ALIPAY_APP_ID_PATTERN = /^[0-9]{16}$/;
const APP_ID_PREFIX = '2021';

export type RegisterAlipayAppError = 'merchant_not_found' | 'invalid_public_key' | 'invalid_app_id' | 'app_id_taken';

export interface AlipayCredentials {
  /** The classic gateway, the SDK's `gateway` option. */
  gateway: string;
  /** The server's origin, the SDK's `endpoint` option (for curl() and the v3 API). */
  endpoint: string;
  appId: string;
  appPrivateKeyPem: string;
  /** The SDK's `alipayPublicKey`: what verifies responses and notifications. */
  platformPublicKeyPem: string;
}

/**
 * Registers an Alipay app for the merchant: a merchant app (merchant_apps) with the RSA public key
 * (SPKI PEM, ≥ 2048 bits). `appId` may be given (16 digits) so a seed is repeatable: registering
 * the same id again for the same merchant and key answers with it and changes nothing.
 */
export async function registerAlipayApp(
  modules: Modules,
  input: { merchantId: string; publicKeyPem: string; appId?: string; webhookUrl?: string },
): Promise<Result<{ appId: string }, RegisterAlipayAppError>> {
  if (!(await modules.merchants.get(input.merchantId))) {
    return problem('merchant_not_found', `no merchant ${input.merchantId}`);
  }
  const key = parsePublicKey(input.publicKeyPem);
  if (!key.ok) return key;
  if (key.value.algorithm !== 'rsa') return problem('invalid_public_key', 'an Alipay app needs an RSA key (RSA2)');
  if (input.appId !== undefined && !ALIPAY_APP_ID_PATTERN.test(input.appId)) {
    return problem('invalid_app_id', 'an Alipay app id is 16 digits');
  }
  const appId = input.appId ?? newAlipayAppId();
  const inserted = await modules.store.db
    .insertInto('merchant_apps')
    .values({
      app_id: appId,
      merchant_id: input.merchantId,
      key_algorithm: 'rsa',
      public_key_pem: key.value.pem,
      webhook_url: input.webhookUrl ?? null,
      created_at_ms: BigInt(modules.clock.nowMs()),
    })
    .onConflict((conflict) => conflict.column('app_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return ok({ appId });
  const existing = await modules.store.db
    .selectFrom('merchant_apps')
    .select(['merchant_id', 'public_key_pem'])
    .where('app_id', '=', appId)
    .executeTakeFirstOrThrow();
  if (existing.merchant_id === input.merchantId && existing.public_key_pem === key.value.pem) return ok({ appId });
  return problem('app_id_taken', `app id ${appId} is already registered with another merchant or key`);
}

/** A new RSA-2048 key pair for an app: the private key as PKCS#8 PEM (the SDK's keyType 'PKCS8'). */
export function generateAlipayAppKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** What `demo-credentials.json`'s `alipay` object holds: the options of an alipay-sdk client. */
export async function alipayCredentials(
  modules: Modules,
  input: { baseUrl: string; appId: string; appPrivateKeyPem: string },
): Promise<AlipayCredentials> {
  const endpoint = input.baseUrl.replace(/\/+$/, '');
  const platform = await gatewayKey(modules.store, 'alipay', modules.clock);
  return {
    gateway: `${endpoint}${GATEWAY_PATH}`,
    endpoint,
    appId: input.appId,
    appPrivateKeyPem: input.appPrivateKeyPem,
    platformPublicKeyPem: platform.publicKeyPem,
  };
}

function newAlipayAppId(): string {
  let digits = APP_ID_PREFIX;
  while (digits.length < 16) digits += randomInt(0, 10).toString();
  return digits;
}
