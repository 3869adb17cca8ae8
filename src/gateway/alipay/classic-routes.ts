// Alipay's classic gateway, `POST /alipay/gateway.do` (GET too): common parameters from the query
// string and the form body together, the request signature over all of them, biz_content as a
// JSON string, and every answer — refusals included — signed under the method's response key
// (`error_response` only when the method is missing or unknown), always with HTTP 200.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { baseUrlOf } from '../../acquiring/json.js';
import { gatewayKey } from '../platform-keys.js';
import type { MethodAnswer } from './context.js';
import { activeMerchantOf, alipayAppOf, isMethod, notifyUrlOf, runMethod, type GatewayDeps } from './dispatch.js';
import { CODE_MESSAGES, errorFields, fail, type AlipayError, type Outcome } from './errors.js';
import { classicEnvelope, isSignType, responseKeyOf, verifyClassicRequest, type AlipaySignType } from './signing.js';

export const GATEWAY_PATH = '/alipay/gateway.do';
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Query and form body merged (the body wins a clash); every value a string. */
function paramsOf(request: FastifyRequest): Record<string, string> {
  const params: Record<string, string> = {};
  const fromQuery = new URL(request.url, 'http://gateway.invalid').searchParams;
  for (const [key, value] of fromQuery) params[key] = value;
  if (typeof request.body === 'string' && request.body !== '') {
    for (const [key, value] of new URLSearchParams(request.body)) params[key] = value;
  }
  return params;
}

/** The common parameters every call must carry, checked in Alipay's order. */
function checkCommon(params: Readonly<Record<string, string>>): Outcome<AlipaySignType> {
  if (params.format !== undefined && params.format.toLowerCase() !== 'json') {
    return fail('40002', 'isv.invalid-format', '无效的数据格式：仅支持 JSON');
  }
  if (params.charset !== undefined && params.charset.toLowerCase() !== 'utf-8') {
    return fail('40002', 'isv.invalid-charset', '字符集错误：仅支持 utf-8');
  }
  if (!params.app_id) return fail('40001', 'isv.missing-app-id', '缺少AppID参数');
  if (!params.sign_type) return fail('40001', 'isv.missing-signature-type', '缺少签名类型参数');
  if (!isSignType(params.sign_type))
    return fail('40002', 'isv.invalid-signature-type', '无效的签名类型参数：RSA2 或 RSA');
  if (!params.sign) return fail('40001', 'isv.missing-signature', '缺少签名参数');
  if (!params.timestamp) return fail('40001', 'isv.missing-timestamp', '缺少时间戳参数');
  // The client's local time, so only its shape can be held to; v3 has a real timestamp window.
  if (!TIMESTAMP_PATTERN.test(params.timestamp)) {
    return fail('40002', 'isv.invalid-timestamp', '非法的时间戳参数：yyyy-MM-dd HH:mm:ss');
  }
  if (!params.version) return fail('40001', 'isv.missing-version', '缺少版本参数');
  if (params.version !== '1.0') return fail('40002', 'isv.invalid-version', '版本号错误：1.0');
  return { ok: true, value: params.sign_type };
}

function bizOf(params: Readonly<Record<string, string>>): Outcome<Record<string, unknown>> {
  if (params.biz_content === undefined || params.biz_content === '') return { ok: true, value: {} };
  try {
    const parsed: unknown = JSON.parse(params.biz_content);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return { ok: true, value: parsed as Record<string, unknown> };
    }
  } catch {
    // answered below
  }
  return fail('40002', 'isv.invalid-biz-content', 'biz_content 必须是 JSON 对象字符串');
}

/** Authentic request → the method's answer; any refusal on the way is the answer instead. */
async function answerCall(
  deps: GatewayDeps,
  request: FastifyRequest,
  method: string,
  params: Readonly<Record<string, string>>,
): Promise<Outcome<MethodAnswer>> {
  const signType = checkCommon(params);
  if (!signType.ok) return signType;
  const app = await alipayAppOf(deps.modules, params.app_id!);
  if (!app.ok) return app;
  const verified = verifyClassicRequest(params, app.value.publicKeyPem, signType.value);
  if (!verified.ok) {
    return fail(
      '40002',
      'isv.invalid-signature',
      `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${verified.error.message}`,
    );
  }
  const merchant = await activeMerchantOf(deps.modules, app.value);
  if (!merchant.ok) return merchant;
  const notifyUrl = notifyUrlOf(params.notify_url);
  if (!notifyUrl.ok) return notifyUrl;
  const biz = bizOf(params);
  if (!biz.ok) return biz;
  return runMethod(deps, request.log, {
    method,
    app: app.value,
    merchant: merchant.value,
    biz: biz.value,
    notifyUrl: notifyUrl.value,
    baseUrl: baseUrlOf(request),
  });
}

async function sendSigned(
  deps: GatewayDeps,
  reply: FastifyReply,
  responseKey: string,
  inner: Record<string, unknown>,
  signType: AlipaySignType,
) {
  const key = await gatewayKey(deps.modules.store, 'alipay', deps.modules.clock);
  return reply
    .code(200)
    .type('application/json;charset=utf-8')
    .send(classicEnvelope(responseKey, inner, key.privateKey, signType));
}

export function registerClassicGateway(app: FastifyInstance, deps: GatewayDeps): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = paramsOf(request);
    const signType: AlipaySignType = params.sign_type === 'RSA' ? 'RSA' : 'RSA2';
    const method = params.method;
    if (!method || !isMethod(method)) {
      const error: AlipayError = method
        ? { code: '40002', subCode: 'isv.invalid-method', subMsg: `不存在的方法名 ${method.slice(0, 64)}` }
        : { code: '40001', subCode: 'isv.missing-method', subMsg: '缺少方法名参数' };
      return sendSigned(deps, reply, 'error_response', errorFields(error), signType);
    }
    const outcome = await answerCall(deps, request, method, params);
    const inner = outcome.ok
      ? { code: outcome.value.code, msg: CODE_MESSAGES[outcome.value.code], ...outcome.value.fields }
      : errorFields(outcome.error);
    return sendSigned(deps, reply, responseKeyOf(method), inner, signType);
  };
  app.post(GATEWAY_PATH, { schema: { hide: true } }, handle);
  app.get(GATEWAY_PATH, { schema: { hide: true } }, handle);
}
