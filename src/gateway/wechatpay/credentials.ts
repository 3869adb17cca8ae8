// A merchant's WeChat Pay v3 identity at Saoma: its merchant number (mchid), appid and APIv3 key,
// and the certificate serials whose RSA public keys sign its requests (each a merchant app). What
// `saoma seed demo` and `saoma merchant app create` call, and what the gateway reads back.
import { randomBytes, randomInt } from 'node:crypto';
import type { Selectable } from 'kysely';
import { registerApp } from '../../api/admin-network.js';
import { parsePublicKey } from '../../merchant/signature.js';
import type { Modules } from '../../modules.js';
import type { FieldCipher } from '../../shared/field-cipher.js';
import { ok, problem, type Result } from '../../shared/result.js';
import type { Store } from '../../store/store.js';
import { gatewayKey } from '../platform-keys.js';
import { API_V3_KEY_BYTES } from './signing.js';
import type { WechatpayMerchantsTable } from './tables.js';

export type WechatpayMerchantRow = Selectable<WechatpayMerchantsTable>;

export type RegisterError =
  | 'merchant_not_found'
  | 'invalid_public_key'
  | 'invalid_webhook_url'
  | 'invalid_wechatpay_credentials'
  | 'wechatpay_credentials_conflict';

export interface WechatpayRegistration {
  mchid: string;
  appid: string;
  /** The certificate serial number the merchant signs with (`serial` in the SDK). */
  merchantSerial: string;
  /** 32 ASCII characters: the key notifications are encrypted under. */
  apiV3Key: string;
  /** The merchant app (Saoma's `app_…`) that holds the public key. */
  appId: string;
}

export interface WechatpayCredentials {
  baseUrl: string;
  mchid: string;
  appid: string;
  merchantSerial: string;
  merchantPrivateKeyPem: string;
  platformPublicKeyId: string;
  platformPublicKeyPem: string;
  apiV3Key: string;
}

const MCHID_PATTERN = /^[0-9]{8,32}$/;
const APPID_PATTERN = /^[A-Za-z0-9_]{1,32}$/;
const SERIAL_PATTERN = /^[A-Za-z0-9]{1,64}$/;
const API_V3_KEY_PATTERN = new RegExp(`^[\\x21-\\x7e]{${API_V3_KEY_BYTES}}$`);
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Fresh merchant numbers are drawn at random; a clash is retried this many times. */
const MCHID_ATTEMPTS_MAX = 8;

/**
 * Registers (or extends) a merchant's WeChat Pay identity: one mchid per merchant, made on first
 * call with the given or fresh mchid, appid and APIv3 key; each call adds a certificate serial
 * with its RSA public key (a new merchant app). Calling again with a serial already registered to
 * the same key changes nothing and answers the same, so a seed can run twice.
 */
export async function registerWechatpayMerchant(
  modules: Modules,
  input: {
    merchantId: string;
    publicKeyPem: string;
    mchid?: string;
    appid?: string;
    serialNo?: string;
    apiV3Key?: string;
  },
): Promise<Result<WechatpayRegistration, RegisterError>> {
  const checked = checkRegistration(input);
  if (!checked.ok) return checked;
  if (!(await modules.merchants.get(input.merchantId))) {
    return problem('merchant_not_found', `no merchant ${input.merchantId}`);
  }
  const identity = await merchantIdentity(modules, input);
  if (!identity.ok) return identity;
  const { row, apiV3Key } = identity.value;
  const serialNo = input.serialNo ?? randomBytes(20).toString('hex').toUpperCase();
  const existing = await modules.store.db
    .selectFrom('wechatpay_merchant_keys')
    .innerJoin('merchant_apps', 'merchant_apps.app_id', 'wechatpay_merchant_keys.app_id')
    .select(['merchant_apps.app_id', 'merchant_apps.public_key_pem'])
    .where('wechatpay_merchant_keys.mchid', '=', row.mchid)
    .where('wechatpay_merchant_keys.serial_no', '=', serialNo)
    .executeTakeFirst();
  const answer = (appId: string) =>
    ok({ mchid: row.mchid, appid: row.appid, merchantSerial: serialNo, apiV3Key, appId });
  if (existing) {
    if (existing.public_key_pem !== checked.value) {
      return problem(
        'wechatpay_credentials_conflict',
        `serial ${serialNo} of ${row.mchid} is registered with another key`,
      );
    }
    return answer(existing.app_id);
  }
  const app = await registerApp(modules, input.merchantId, checked.value, undefined);
  if (!app.ok) return app;
  await modules.store.db
    .insertInto('wechatpay_merchant_keys')
    .values({ mchid: row.mchid, serial_no: serialNo, app_id: app.value, created_at_ms: BigInt(modules.clock.nowMs()) })
    .execute();
  return answer(app.value);
}

/** What an SDK needs to talk to this server as the merchant: for demo-credentials.json and the CLI. */
export async function wechatpayCredentials(
  modules: Pick<Modules, 'store' | 'cipher' | 'clock'>,
  input: { baseUrl: string; mchid: string; merchantPrivateKeyPem: string; merchantSerial?: string },
): Promise<Result<WechatpayCredentials, 'merchant_not_found'>> {
  const row = await wechatpayMerchantByMchid(modules.store, input.mchid);
  if (!row) return problem('merchant_not_found', `no WeChat Pay merchant ${input.mchid}`);
  let serialQuery = modules.store.db
    .selectFrom('wechatpay_merchant_keys')
    .select('serial_no')
    .where('mchid', '=', row.mchid);
  if (input.merchantSerial !== undefined) serialQuery = serialQuery.where('serial_no', '=', input.merchantSerial);
  const serial = await serialQuery.orderBy('created_at_ms').executeTakeFirst();
  if (!serial)
    return problem('merchant_not_found', `${input.mchid} has no certificate serial ${input.merchantSerial ?? ''}`);
  const platform = await gatewayKey(modules.store, 'wechatpay', modules.clock);
  return ok({
    baseUrl: input.baseUrl.replace(/\/+$/, ''),
    mchid: row.mchid,
    appid: row.appid,
    merchantSerial: serial.serial_no,
    merchantPrivateKeyPem: input.merchantPrivateKeyPem,
    platformPublicKeyId: platform.keyId,
    platformPublicKeyPem: platform.publicKeyPem,
    apiV3Key: unsealApiV3Key(modules.cipher, row),
  });
}

export const wechatpayMerchantByMchid = (store: Store, mchid: string) =>
  store.db.selectFrom('wechatpay_merchants').selectAll().where('mchid', '=', mchid).executeTakeFirst();

export const wechatpayMerchantOf = (store: Store, merchantId: string) =>
  store.db.selectFrom('wechatpay_merchants').selectAll().where('merchant_id', '=', merchantId).executeTakeFirst();

export const unsealApiV3Key = (cipher: FieldCipher, row: WechatpayMerchantRow): string =>
  cipher.decrypt(row.api_v3_key_sealed);

function checkRegistration(input: {
  publicKeyPem: string;
  mchid?: string;
  appid?: string;
  serialNo?: string;
  apiV3Key?: string;
}): Result<string, RegisterError> {
  if (input.mchid !== undefined && !MCHID_PATTERN.test(input.mchid)) {
    return problem('invalid_wechatpay_credentials', 'mchid must be 8–32 digits');
  }
  if (input.appid !== undefined && !APPID_PATTERN.test(input.appid)) {
    return problem('invalid_wechatpay_credentials', 'appid must be 1–32 letters, digits or _');
  }
  if (input.serialNo !== undefined && !SERIAL_PATTERN.test(input.serialNo)) {
    return problem('invalid_wechatpay_credentials', 'the certificate serial must be 1–64 letters or digits');
  }
  if (input.apiV3Key !== undefined && !API_V3_KEY_PATTERN.test(input.apiV3Key)) {
    return problem(
      'invalid_wechatpay_credentials',
      `the APIv3 key must be ${API_V3_KEY_BYTES} printable ASCII characters`,
    );
  }
  const key = parsePublicKey(input.publicKeyPem);
  if (!key.ok) return key;
  if (key.value.algorithm !== 'rsa') {
    return problem('invalid_public_key', 'WeChat Pay v3 signs with RSA (SHA256withRSA): register an RSA public key');
  }
  return ok(key.value.pem);
}

/** The merchant's mchid row, made on first use; given values must agree with one already made. */
async function merchantIdentity(
  modules: Modules,
  input: { merchantId: string; mchid?: string; appid?: string; apiV3Key?: string },
): Promise<Result<{ row: WechatpayMerchantRow; apiV3Key: string }, RegisterError>> {
  const store = modules.store;
  for (let attempt = 0; attempt < MCHID_ATTEMPTS_MAX; attempt += 1) {
    const existing = await wechatpayMerchantOf(store, input.merchantId);
    if (existing) {
      const apiV3Key = unsealApiV3Key(modules.cipher, existing);
      const differs =
        (input.mchid !== undefined && input.mchid !== existing.mchid) ||
        (input.appid !== undefined && input.appid !== existing.appid) ||
        (input.apiV3Key !== undefined && input.apiV3Key !== apiV3Key);
      if (differs) {
        return problem(
          'wechatpay_credentials_conflict',
          `merchant ${input.merchantId} already is WeChat Pay merchant ${existing.mchid} with another appid or APIv3 key`,
        );
      }
      return ok({ row: existing, apiV3Key });
    }
    const mchid = input.mchid ?? `19${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const taken = await wechatpayMerchantByMchid(store, mchid);
    if (taken) {
      if (input.mchid !== undefined) {
        return problem('wechatpay_credentials_conflict', `mchid ${mchid} belongs to another merchant`);
      }
      continue;
    }
    const apiV3Key = input.apiV3Key ?? randomAlphanumeric(API_V3_KEY_BYTES);
    await store.db
      .insertInto('wechatpay_merchants')
      .values({
        mchid,
        merchant_id: input.merchantId,
        appid: input.appid ?? `wx${randomBytes(8).toString('hex')}`,
        api_v3_key_sealed: modules.cipher.encrypt(apiV3Key),
        created_at_ms: BigInt(modules.clock.nowMs()),
      })
      .onConflict((conflict) => conflict.doNothing())
      .execute();
    // Read back whatever won (this insert, or a racing one for the same merchant or mchid).
  }
  return problem('wechatpay_credentials_conflict', `no free mchid found after ${MCHID_ATTEMPTS_MAX} tries`);
}

function randomAlphanumeric(length: number): string {
  let text = '';
  for (let index = 0; index < length; index += 1) text += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return text;
}
