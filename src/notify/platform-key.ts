// The platform's webhook signing key: an Ed25519 pair generated the first time it is needed and
// kept in `platform_keys`, so every process sharing the database signs with the same key.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';

const PURPOSE = 'webhook_signing';

export interface PlatformSigningKey {
  privateKey: KeyObject;
  /** SPKI PEM: what merchants verify webhooks with. */
  publicKeyPem: string;
}

/** The key, created on first use; two processes racing to create it both end up with the winner's. */
export async function platformSigningKey(store: Store, clock: Clock = systemClock): Promise<PlatformSigningKey> {
  const existing = await readKey(store);
  if (existing) return existing;
  const pair = generateKeyPairSync('ed25519');
  await store.db
    .insertInto('platform_keys')
    .values({
      purpose: PURPOSE,
      algorithm: 'ed25519',
      public_key_pem: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      private_key_pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      created_at_ms: BigInt(clock.nowMs()),
    })
    .onConflict((conflict) => conflict.column('purpose').doNothing())
    .execute();
  const stored = await readKey(store);
  if (!stored) throw new Error('the platform signing key was written but cannot be read back');
  return stored;
}

/** The public half, as SPKI PEM, for merchants (and tests) to verify webhooks with. */
export async function platformPublicKeyPem(store: Store, clock: Clock = systemClock): Promise<string> {
  return (await platformSigningKey(store, clock)).publicKeyPem;
}

async function readKey(store: Store): Promise<PlatformSigningKey | null> {
  const row = await store.db
    .selectFrom('platform_keys')
    .select(['algorithm', 'public_key_pem', 'private_key_pem'])
    .where('purpose', '=', PURPOSE)
    .executeTakeFirst();
  if (!row) return null;
  const privateKey = createPrivateKey(row.private_key_pem);
  if (privateKey.asymmetricKeyType !== row.algorithm) {
    throw new Error(`the platform signing key is ${privateKey.asymmetricKeyType} but its row says ${row.algorithm}`);
  }
  return { privateKey, publicKeyPem: row.public_key_pem };
}
