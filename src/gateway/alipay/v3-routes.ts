// Alipay's v3 API (`/v3/alipay/<method with dots as slashes>`, what the SDK's curl() calls on its
// `endpoint`): the Authorization header signed over the request line and the exact body, a
// timestamp within five minutes and a nonce used once, JSON in and out, every answer signed in
// the alipay-timestamp / alipay-nonce / alipay-signature headers, and refusals as HTTP 4xx/5xx
// with `{"code","message"}`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { baseUrlOf } from '../../acquiring/json.js';
import { purgeExpiredNonces } from '../../merchant/auth.js';
import { CLOCK_SKEW_MAX_MS } from '../../merchant/signature.js';
import { gatewayKey } from '../platform-keys.js';
import type { MethodAnswer } from './context.js';
import { activeMerchantOf, alipayAppOf, isMethod, notifyUrlOf, runMethod, type GatewayDeps } from './dispatch.js';
import { CODE_MESSAGES, fail, type AlipayError, type Outcome } from './errors.js';
import { parseV3Authorization, v3ResponseHeaders, v3SignedText, verifyText } from './signing.js';

export const V3_PREFIX = '/v3/alipay/';
/** Old nonces are purged after this many accepted requests (at most twice as many rows at once). */
const PURGE_EVERY_ACCEPTED = 500;

/** A refusal's HTTP status: authentication 401, permissions 403, the rest of the caller's faults 400. */
function statusOf(error: AlipayError): number {
  if (error.code === '20000') return 500;
  if (error.code === '40006') return 403;
  if (error.subCode === 'isv.invalid-method') return 404;
  return error.subCode.startsWith('isv.') && /signature|app-id|timestamp|nonce|authorization/.test(error.subCode)
    ? 401
    : 400;
}

/** One statement, so of two requests racing with one nonce exactly one inserts the row. */
async function recordNonce(deps: GatewayDeps, appId: string, nonce: string): Promise<boolean> {
  const inserted = await deps.modules.store.db
    .insertInto('request_nonces')
    .values({ app_id: appId, nonce, seen_at_ms: BigInt(deps.modules.clock.nowMs()) })
    .onConflict((conflict) => conflict.columns(['app_id', 'nonce']).doNothing())
    .executeTakeFirst();
  return inserted.numInsertedOrUpdatedRows === 1n;
}

function bizOf(request: FastifyRequest, rawBody: string): Outcome<Record<string, unknown>> {
  if (request.method === 'GET' || rawBody === '') {
    return { ok: true, value: Object.fromEntries(new URL(request.url, 'http://v3.invalid').searchParams) };
  }
  try {
    const parsed: unknown = JSON.parse(rawBody);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return { ok: true, value: parsed as Record<string, unknown> };
    }
  } catch {
    // answered below
  }
  return fail('40002', 'isv.invalid-parameter', '请求体必须是 JSON 对象');
}

async function answerCall(deps: GatewayDeps, request: FastifyRequest, method: string): Promise<Outcome<MethodAnswer>> {
  const rawBody = typeof request.body === 'string' ? request.body : '';
  const auth = parseV3Authorization(request.headers.authorization);
  if (!auth.ok) {
    return auth.error.code === 'missing'
      ? fail('40001', 'isv.missing-authorization', auth.error.message)
      : fail('40002', 'isv.invalid-authorization', auth.error.message);
  }
  const { appId, nonce, timestampMs, signature, authString } = auth.value;
  if (Math.abs(timestampMs - deps.modules.clock.nowMs()) > CLOCK_SKEW_MAX_MS) {
    return fail('40002', 'isv.invalid-timestamp', '请求时间戳与服务器时间相差超过 5 分钟');
  }
  const app = await alipayAppOf(deps.modules, appId);
  if (!app.ok) return app;
  const tokenHeader = request.headers['alipay-app-auth-token'];
  const signed = v3SignedText({
    authString,
    method: request.method,
    pathWithQuery: request.url,
    body: rawBody,
    appAuthToken: typeof tokenHeader === 'string' ? tokenHeader : undefined,
  });
  if (!verifyText(signed, signature, app.value.publicKeyPem, 'RSA2')) {
    return fail('40002', 'isv.invalid-signature', `验签出错，网关生成的验签字符串为：${JSON.stringify(signed)}`);
  }
  // Only after the signature holds, so nobody can use up another app's nonces.
  if (!(await recordNonce(deps, appId, nonce))) return fail('40002', 'isv.invalid-nonce', `nonce ${nonce} 已被使用`);
  const merchant = await activeMerchantOf(deps.modules, app.value);
  if (!merchant.ok) return merchant;
  const biz = bizOf(request, rawBody);
  if (!biz.ok) return biz;
  const notifyUrl = notifyUrlOf(biz.value.notify_url);
  if (!notifyUrl.ok) return notifyUrl;
  return runMethod(deps, request.log, {
    method,
    app: app.value,
    merchant: merchant.value,
    biz: biz.value,
    notifyUrl: notifyUrl.value,
    baseUrl: baseUrlOf(request),
  });
}

async function sendSigned(deps: GatewayDeps, reply: FastifyReply, status: number, payload: Record<string, unknown>) {
  const body = JSON.stringify(payload);
  const key = await gatewayKey(deps.modules.store, 'alipay', deps.modules.clock);
  return reply
    .code(status)
    .headers(v3ResponseHeaders(body, key.privateKey, deps.modules.clock.nowMs()))
    .type('application/json;charset=utf-8')
    .send(body);
}

export function registerV3Api(app: FastifyInstance, deps: GatewayDeps): void {
  let acceptedSincePurge = 0;
  const purgeNowAndThen = async (request: FastifyRequest) => {
    acceptedSincePurge += 1;
    if (acceptedSincePurge < PURGE_EVERY_ACCEPTED) return;
    acceptedSincePurge = 0;
    try {
      await purgeExpiredNonces(deps.modules.store, deps.modules.clock.nowMs(), 2 * PURGE_EVERY_ACCEPTED);
    } catch (error) {
      request.log.warn({ err: error }, 'alipay v3: purging old nonces failed; the next purge retries');
    }
  };
  app.route<{ Params: { '*': string } }>({
    method: ['GET', 'POST'],
    url: `${V3_PREFIX}*`,
    schema: { hide: true },
    handler: async (request, reply) => {
      const method = `alipay.${request.params['*'].replaceAll('/', '.')}`;
      if (!isMethod(method)) {
        return sendSigned(deps, reply, 404, {
          code: 'isv.invalid-method',
          message: `不存在的方法 ${method.slice(0, 80)}`,
        });
      }
      const outcome = await answerCall(deps, request, method);
      if (!outcome.ok) {
        return sendSigned(deps, reply, statusOf(outcome.error), {
          code: outcome.error.subCode,
          message: outcome.error.subMsg,
        });
      }
      await purgeNowAndThen(request);
      const { code, fields } = outcome.value;
      // A trade.pay waiting for the payer's PIN says so, as the classic gateway's 10003 does.
      return sendSigned(deps, reply, 200, code === '10003' ? { code, msg: CODE_MESSAGES[code], ...fields } : fields);
    },
  });
}
