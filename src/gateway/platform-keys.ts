// The platform's RSA-2048 key for each protocol gateway: Alipay signs responses and notifications
// with it (merchants hold the public half as `alipayPublicKey`); WeChat Pay signs responses and
// notifications with it in public-key mode, under a key id `PUB_KEY_ID_…`. Made the first time it
// is needed and kept in `gateway_keys`, so every process sharing the database signs with the same
// key; two processes racing to make it both end up with the winner's.
import { createPrivateKey, generateKeyPairSync, randomInt, type KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import type { GatewayPurpose } from './tables.js';

export interface GatewayKey {
  purpose: GatewayPurpose;
  keyId: string;
  privateKey: KeyObject;
  /** SubjectPublicKeyInfo PEM. */
  publicKeyPem: string;
  /** The same key as one line of base64 (what Alipay's console shows as the platform public key). */
  publicKeyBase64: string;
}

const RSA_BITS = 2048;
/** WeChat Pay's public key ids: `PUB_KEY_ID_` and 36 digits. */
const WECHATPAY_KEY_ID_DIGITS = 36;

/** Keys are immutable once made: one read per process and purpose. */
const cache = new WeakMap<Store, Map<GatewayPurpose, Promise<GatewayKey>>>();

export function gatewayKey(store: Store, purpose: GatewayPurpose, clock: Clock = systemClock): Promise<GatewayKey> {
  let byPurpose = cache.get(store);
  if (!byPurpose) cache.set(store, (byPurpose = new Map()));
  let key = byPurpose.get(purpose);
  if (!key) {
    key = loadOrCreate(store, purpose, clock);
    key.catch(() => byPurpose.delete(purpose));
    byPurpose.set(purpose, key);
  }
  return key;
}

async function loadOrCreate(store: Store, purpose: GatewayPurpose, clock: Clock): Promise<GatewayKey> {
  const existing = await readKey(store, purpose);
  if (existing) return existing;
  const pair = generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
  await store.db
    .insertInto('gateway_keys')
    .values({
      purpose,
      key_id: purpose === 'wechatpay' ? newWechatpayKeyId() : 'alipay',
      public_key_pem: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      private_key_pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      created_at_ms: BigInt(clock.nowMs()),
    })
    .onConflict((conflict) => conflict.column('purpose').doNothing())
    .execute();
  const stored = await readKey(store, purpose);
  if (!stored) throw new Error(`the ${purpose} gateway key was written but cannot be read back`);
  return stored;
}

async function readKey(store: Store, purpose: GatewayPurpose): Promise<GatewayKey | null> {
  const row = await store.db
    .selectFrom('gateway_keys')
    .select(['key_id', 'public_key_pem', 'private_key_pem'])
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) return null;
  const privateKey = createPrivateKey(row.private_key_pem);
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error(`the ${purpose} gateway key is not an RSA key`);
  return {
    purpose,
    keyId: row.key_id,
    privateKey,
    publicKeyPem: row.public_key_pem,
    publicKeyBase64: row.public_key_pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
  };
}

function newWechatpayKeyId(): string {
  let digits = '';
  while (digits.length < WECHATPAY_KEY_ID_DIGITS) digits += randomInt(0, 10).toString();
  return `PUB_KEY_ID_${digits}`;
}
