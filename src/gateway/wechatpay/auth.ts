// Who is calling the WeChat Pay gateway: the Authorization header's signature checked against the
// RSA key registered for its mchid and serial_no, over the request exactly as received; a
// timestamp more than 5 minutes off and a nonce seen before are refused. Nonces share the native
// API's table, under the merchant app that holds the key.
import type { FastifyRequest } from 'fastify';
import { purgeExpiredNonces } from '../../merchant/auth.js';
import type { Clock } from '../../shared/clock.js';
import type { Store } from '../../store/store.js';
import { refuse, type Answer } from './errors.js';
import { CLOCK_SKEW_MAX_SECONDS, parseAuthorization, requestMessage, verifyRsa } from './signing.js';
import type { WechatpayMerchantRow } from './credentials.js';

export interface WechatpayCaller {
  merchantId: string;
  appId: string;
  merchant: WechatpayMerchantRow;
}

/** A purge of old nonces runs after this many accepted requests or this long, whichever first. */
const PURGE_EVERY_ACCEPTED = 500;
const PURGE_INTERVAL_MS = 60_000;
const PURGE_ROWS_MAX = 2 * PURGE_EVERY_ACCEPTED;

export function createWechatpayAuth(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  let acceptedSincePurge = 0;
  let lastPurgeMs = clock.nowMs();

  const purgeNowAndThen = async (request: FastifyRequest) => {
    acceptedSincePurge += 1;
    const nowMs = clock.nowMs();
    if (acceptedSincePurge < PURGE_EVERY_ACCEPTED && nowMs - lastPurgeMs < PURGE_INTERVAL_MS) return;
    acceptedSincePurge = 0;
    lastPurgeMs = nowMs;
    try {
      await purgeExpiredNonces(store, nowMs, PURGE_ROWS_MAX);
    } catch (error) {
      // The request itself is authentic; old nonces only take space until the next purge.
      request.log.warn({ err: error }, 'purging old request nonces failed; the next purge retries');
    }
  };

  return async function authenticate(
    request: FastifyRequest,
    rawBody: Buffer | null,
  ): Promise<Answer<WechatpayCaller>> {
    const fields = parseAuthorization(request.headers.authorization);
    if (!fields.ok) return refuse('SIGN_ERROR', fields.error.message);
    const { mchid, serialNo, timestampSeconds, nonce, signature } = fields.value;
    const nowMs = clock.nowMs();
    const offsetSeconds = timestampSeconds - Math.floor(nowMs / 1000);
    if (Math.abs(offsetSeconds) > CLOCK_SKEW_MAX_SECONDS) {
      return refuse(
        'SIGN_ERROR',
        `timestamp ${timestampSeconds} is ${Math.abs(offsetSeconds)} s ${offsetSeconds < 0 ? 'behind' : 'ahead of'} ` +
          `the server clock; requests are accepted within ${CLOCK_SKEW_MAX_SECONDS} s`,
      );
    }
    const key = await store.db
      .selectFrom('wechatpay_merchant_keys')
      .innerJoin('merchant_apps', 'merchant_apps.app_id', 'wechatpay_merchant_keys.app_id')
      .innerJoin('wechatpay_merchants', 'wechatpay_merchants.mchid', 'wechatpay_merchant_keys.mchid')
      .select(['merchant_apps.app_id', 'merchant_apps.key_algorithm', 'merchant_apps.public_key_pem'])
      .selectAll('wechatpay_merchants')
      .where('wechatpay_merchant_keys.mchid', '=', mchid)
      .where('wechatpay_merchant_keys.serial_no', '=', serialNo)
      .executeTakeFirst();
    if (!key || key.key_algorithm !== 'rsa') {
      return refuse('SIGN_ERROR', `no certificate serial_no ${serialNo} is registered for mchid ${mchid}`);
    }
    const message = requestMessage({
      method: request.method,
      pathWithQuery: request.url,
      timestampSeconds,
      nonce,
      body: rawBody,
    });
    if (!verifyRsa(message, signature, key.public_key_pem)) {
      return refuse('SIGN_ERROR', '签名错误: the signature does not match the request', {
        detail: 'sign METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n exactly as sent',
        signed_string: message.toString('utf8'),
      });
    }
    // Only after the signature holds, so that nobody can use up another merchant's nonces.
    if (!(await recordNonce(store, key.app_id, nonce, nowMs))) {
      return refuse('SIGN_ERROR', `nonce_str ${nonce} was already used: send a fresh one with each request`);
    }
    await purgeNowAndThen(request);
    const { app_id: appId, key_algorithm: _algorithm, public_key_pem: _pem, ...merchant } = key;
    return { ok: true, value: { merchantId: merchant.merchant_id, appId, merchant } };
  };
}

/** One statement, so of two requests racing with one nonce exactly one inserts the row. */
async function recordNonce(store: Store, appId: string, nonce: string, nowMs: number): Promise<boolean> {
  const inserted = await store.db
    .insertInto('request_nonces')
    .values({ app_id: appId, nonce, seen_at_ms: BigInt(nowMs) })
    .onConflict((conflict) => conflict.columns(['app_id', 'nonce']).doNothing())
    .executeTakeFirst();
  return inserted.numInsertedOrUpdatedRows === 1n;
}
