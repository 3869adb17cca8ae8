// Openids: WeChat Pay names a payer to a merchant by an id of that user under the merchant's
// appid, never the same across appids. Saoma derives it from the wallet user's id with the
// server's keyed blind index (an HMAC), so it is stable and says nothing about the user, and
// records it, so that a JSAPI order's `payer.openid` can be resolved back to the user.
import type { FieldCipher } from '../../shared/field-cipher.js';
import type { Clock } from '../../shared/clock.js';
import type { Store } from '../../store/store.js';

/** 28 characters, as WeChat's: `o` and 27 of base64url. */
const OPENID_BODY_CHARS = 27;

export interface OpenidDeps {
  store: Store;
  cipher: FieldCipher;
  clock: Clock;
}

export function deriveOpenid(cipher: FieldCipher, appid: string, userId: string): string {
  const digest = Buffer.from(cipher.blindIndex(`wechatpay-openid\n${appid}\n${userId}`), 'hex');
  return `o${digest.toString('base64url').slice(0, OPENID_BODY_CHARS)}`;
}

/** The user's openid under this appid, recorded so that it can be resolved later. */
export async function openidFor(deps: OpenidDeps, appid: string, userId: string): Promise<string> {
  const openid = deriveOpenid(deps.cipher, appid, userId);
  await deps.store.db
    .insertInto('wechatpay_openids')
    .values({ appid, openid, user_id: userId, created_at_ms: BigInt(deps.clock.nowMs()) })
    .onConflict((conflict) => conflict.columns(['appid', 'openid']).doNothing())
    .execute();
  return openid;
}

/** The wallet user an openid names under this appid, or null when it was never handed out. */
export async function userOfOpenid(store: Store, appid: string, openid: string): Promise<string | null> {
  const row = await store.db
    .selectFrom('wechatpay_openids')
    .select('user_id')
    .where('appid', '=', appid)
    .where('openid', '=', openid)
    .executeTakeFirst();
  return row?.user_id ?? null;
}
