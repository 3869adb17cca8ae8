// WeChat Pay v3 orders on Saoma's one engine: native, jsapi, app and h5 orders are all QR-channel
// orders (so a wallet user pays them by their code), queried by out_trade_no or transaction_id
// (Saoma's order id), and closed. Each answer is a value: the JSON to send, or WeChat Pay's error.
import { codeUrl } from '../../acquiring/code-text.js';
import type { Order } from '../../acquiring/orders.js';
import type { Merchant } from '../../merchant/service.js';
import type { Modules } from '../../modules.js';
import { checkWebhookUrl } from '../../notify/outbox.js';
import type { WechatpayCaller } from './auth.js';
import { orderRefusal, paramError, refuse, type Answer } from './errors.js';
import { openidFor, userOfOpenid } from './openid.js';
import { amountAt, bodyObject, currencyAt, objectAt, readAll, stringAt, timeAt, type JsonObject } from './params.js';
import { beijingTime, tradeStateOf, tradeTypeOf, transactionJson, type TradeType } from './views.js';

/** The path's trade type: `/v3/pay/transactions/h5` makes an MWEB order, as WeChat Pay calls it. */
export const TRADE_TYPES = { native: 'NATIVE', jsapi: 'JSAPI', app: 'APP', h5: 'MWEB' } as const satisfies Record<
  string,
  TradeType
>;
export type TradePath = keyof typeof TRADE_TYPES;

/** WeChat Pay's rule for out_trade_no: 6–32 of digits, letters and `_-|*`. */
const OUT_TRADE_NO_PATTERN = /^[A-Za-z0-9_\-|*]{6,32}$/;
/** WeChat Pay's time_expire is at most a week ahead, as Saoma's order timeout. */
const TIMEOUT_SECONDS_MAX = 7 * 24 * 3600;

interface NewTransaction {
  appid: string;
  description: string;
  outTradeNo: string;
  notifyUrl: string;
  amountFen: bigint;
  attach: string | null;
  expiresAtMs: number | null;
  payerUserId: string | null;
}

export async function createTransaction(
  modules: Modules,
  caller: WechatpayCaller,
  input: { path: TradePath; body: unknown; baseUrl: string },
): Promise<Answer<Record<string, string>>> {
  const tradeType = TRADE_TYPES[input.path];
  const read = await readNewTransaction(modules, caller, tradeType, input.body);
  if (!read.ok) return read;
  const merchant = await activeMerchant(modules, caller);
  if (!merchant.ok) return merchant;
  const wanted = read.value;
  let timeoutSeconds: number | undefined;
  if (wanted.expiresAtMs !== null) {
    timeoutSeconds = Math.ceil((wanted.expiresAtMs - modules.clock.nowMs()) / 1000);
    if (timeoutSeconds < 1 || timeoutSeconds > TIMEOUT_SECONDS_MAX) {
      return paramError('/time_expire', 'must be in the future, at most 7 days ahead', beijingTime(wanted.expiresAtMs));
    }
  }
  const created = await modules.acquiring.createOrder(merchant.value, {
    outTradeNo: wanted.outTradeNo,
    amountFen: wanted.amountFen,
    subject: wanted.description,
    timeoutSeconds,
    notifyUrl: wanted.notifyUrl,
    protocol: 'wechatpay',
    protocolData: {
      appid: wanted.appid,
      trade_type: tradeType,
      ...(wanted.attach === null ? {} : { attach: wanted.attach }),
    },
    ...(wanted.payerUserId === null ? {} : { payerUserId: wanted.payerUserId }),
  });
  if (!created.ok) return { ok: false, error: orderRefusal(created.error) };
  const order = created.value;
  // The engine matches a repeat by amount and description; WeChat Pay's own fields must match too.
  if (tradeTypeOf(order) !== tradeType || (wanted.payerUserId !== null && order.payerUserId !== wanted.payerUserId)) {
    return refuse('OUT_TRADE_NO_USED', `商户订单号重复: ${order.outTradeNo} already names another order`);
  }
  const state = tradeStateOf(order, modules.clock.nowMs());
  if (state === 'SUCCESS' || state === 'REFUND') return refuse('ORDERPAID', `订单已支付: ${order.outTradeNo}`);
  if (state === 'CLOSED') return refuse('ORDER_CLOSED', `订单已关闭: ${order.outTradeNo}; 请使用新的商户订单号`);
  return { ok: true, value: payAnswer(order, tradeType, input.baseUrl) };
}

/**
 * What the merchant hands its payer. The code URL (`/c/<code>`) is what a wallet scans; prepay_id
 * is `wx`, the order's Beijing time (as WeChat's) and its collection code, so the code can be read
 * off it (`saoma wallet pay <prepay_id after its 16th character>`); h5_url is the code's page,
 * with a query so that a merchant's `&redirect_url=…` can be appended as on WeChat Pay.
 */
function payAnswer(order: Order, tradeType: TradeType, baseUrl: string): Record<string, string> {
  if (order.code === null) throw new Error(`WeChat Pay order ${order.id} has no collection code`);
  const url = codeUrl(baseUrl, order.code);
  const prepayId = prepayIdOf(order);
  switch (tradeType) {
    case 'NATIVE':
      return { code_url: url };
    case 'JSAPI':
    case 'APP':
      return { prepay_id: prepayId };
    case 'MWEB':
      return { h5_url: `${url}?prepay_id=${prepayId}` };
  }
}

export function prepayIdOf(order: Order): string {
  const stamp = beijingTime(order.createdAtMs).slice(0, 19).replace(/[-T:]/g, '');
  return `wx${stamp}${order.code ?? ''}`;
}

async function readNewTransaction(
  modules: Modules,
  caller: WechatpayCaller,
  tradeType: TradeType,
  rawBody: unknown,
): Promise<Answer<NewTransaction>> {
  const body = bodyObject(rawBody);
  if (!body.ok) return body;
  const fields = readAll({
    appid: stringAt(body.value, 'appid', '/appid', { required: true, maxLength: 32 }),
    mchid: stringAt(body.value, 'mchid', '/mchid', { required: true, maxLength: 32 }),
    description: stringAt(body.value, 'description', '/description', { required: true, maxLength: 127 }),
    outTradeNo: stringAt(body.value, 'out_trade_no', '/out_trade_no', {
      required: true,
      minLength: 6,
      maxLength: 32,
      pattern: OUT_TRADE_NO_PATTERN,
      patternHint: 'may hold only digits, letters and _-|*',
    }),
    notifyUrl: stringAt(body.value, 'notify_url', '/notify_url', { required: true, maxLength: 256 }),
    attach: stringAt(body.value, 'attach', '/attach', { required: false, maxLength: 128 }),
    amount: objectAt(body.value, 'amount', '/amount', true),
    expiresAtMs: timeAt(body.value, 'time_expire', '/time_expire'),
  });
  if (!fields.ok) return fields;
  const { appid, mchid, amount } = fields.value;
  if (mchid !== caller.merchant.mchid) {
    return refuse(
      'NO_AUTH',
      `商户无权限: the body's mchid ${mchid} is not the signing merchant ${caller.merchant.mchid}`,
    );
  }
  if (appid !== caller.merchant.appid) {
    return refuse('APPID_MCHID_NOT_MATCH', `appid ${appid} is not bound to mchid ${mchid}`);
  }
  const amounts = readAll({
    amountFen: amountAt(amount!, 'total', '/amount/total'),
    currency: currencyAt(amount!, '/amount/currency', false),
  });
  if (!amounts.ok) return amounts;
  const notifyUrl = checkWebhookUrl(fields.value.notifyUrl!);
  if (!notifyUrl.ok) return paramError('/notify_url', notifyUrl.error.message, fields.value.notifyUrl);
  const payerUserId = await readPayer(modules, body.value, tradeType, appid!);
  if (!payerUserId.ok) return payerUserId;
  if (tradeType === 'MWEB') {
    const scene = readH5Scene(body.value);
    if (!scene.ok) return scene;
  }
  return {
    ok: true,
    value: {
      appid: appid!,
      description: fields.value.description!,
      outTradeNo: fields.value.outTradeNo!,
      notifyUrl: fields.value.notifyUrl!,
      amountFen: amounts.value.amountFen,
      attach: fields.value.attach,
      expiresAtMs: fields.value.expiresAtMs,
      payerUserId: payerUserId.value,
    },
  };
}

/** JSAPI names its payer by openid under the appid; the order is then theirs alone to pay. */
async function readPayer(
  modules: Modules,
  body: JsonObject,
  tradeType: TradeType,
  appid: string,
): Promise<Answer<string | null>> {
  if (tradeType !== 'JSAPI') return { ok: true, value: null };
  const payer = objectAt(body, 'payer', '/payer', true);
  if (!payer.ok) return payer;
  const openid = stringAt(payer.value!, 'openid', '/payer/openid', { required: true, maxLength: 128 });
  if (!openid.ok) return openid;
  const userId = await userOfOpenid(modules.store, appid, openid.value!);
  if (userId === null)
    return paramError('/payer/openid', 'appid和openid不匹配: no such user under this appid', openid.value);
  return { ok: true, value: userId };
}

function readH5Scene(body: JsonObject): Answer<null> {
  const scene = objectAt(body, 'scene_info', '/scene_info', true);
  if (!scene.ok) return scene;
  const ip = stringAt(scene.value!, 'payer_client_ip', '/scene_info/payer_client_ip', {
    required: true,
    maxLength: 45,
  });
  if (!ip.ok) return ip;
  const h5 = objectAt(scene.value!, 'h5_info', '/scene_info/h5_info', true);
  if (!h5.ok) return h5;
  const type = stringAt(h5.value!, 'type', '/scene_info/h5_info/type', { required: true, maxLength: 32 });
  if (!type.ok) return type;
  return { ok: true, value: null };
}

export async function activeMerchant(modules: Modules, caller: WechatpayCaller): Promise<Answer<Merchant>> {
  const merchant = await modules.merchants.get(caller.merchantId);
  if (!merchant || merchant.status !== 'active') return refuse('NO_AUTH', '商户无权限: this merchant is suspended');
  return { ok: true, value: merchant };
}

/** `?mchid=` on the queries: required, and the signer's own. */
export function checkQueryMchid(caller: WechatpayCaller, mchid: unknown): Answer<null> {
  if (typeof mchid !== 'string' || mchid.length === 0) return paramError('mchid', 'is required', null, 'query');
  if (mchid !== caller.merchant.mchid) {
    return refuse('NO_AUTH', `商户无权限: mchid ${mchid} is not the signing merchant ${caller.merchant.mchid}`);
  }
  return { ok: true, value: null };
}

export async function queryTransaction(
  modules: Modules,
  caller: WechatpayCaller,
  ref: { outTradeNo: string } | { transactionId: string },
  mchid: unknown,
): Promise<Answer<object>> {
  const checked = checkQueryMchid(caller, mchid);
  if (!checked.ok) return checked;
  const order =
    'outTradeNo' in ref
      ? await modules.orders.find(caller.merchantId, { outTradeNo: ref.outTradeNo })
      : await modules.orders.find(caller.merchantId, { orderId: ref.transactionId });
  // An unpaid order has no transaction_id yet, so it cannot be found by one.
  if (!order || ('transactionId' in ref && order.paidAtMs === null)) return refuse('ORDER_NOT_EXIST', '订单不存在');
  return { ok: true, value: await transactionOf(modules, caller, order) };
}

export async function transactionOf(
  modules: Pick<Modules, 'store' | 'cipher' | 'clock'>,
  caller: Pick<WechatpayCaller, 'merchant'>,
  order: Order,
  tradeState = tradeStateOf(order, modules.clock.nowMs()),
) {
  const appid = order.protocolData?.appid ?? caller.merchant.appid;
  const payerOpenid = order.payerUserId === null ? null : await openidFor(modules, appid, order.payerUserId);
  return transactionJson(order, { mchid: caller.merchant.mchid, appid, payerOpenid, tradeState });
}

export async function closeTransaction(
  modules: Modules,
  caller: WechatpayCaller,
  outTradeNo: string,
  rawBody: unknown,
): Promise<Answer<null>> {
  const body = bodyObject(rawBody ?? {});
  if (!body.ok) return body;
  const mchid = stringAt(body.value, 'mchid', '/mchid', { required: true, maxLength: 32 });
  if (!mchid.ok) return mchid;
  if (mchid.value !== caller.merchant.mchid) {
    return refuse('NO_AUTH', `商户无权限: mchid ${mchid.value} is not the signing merchant ${caller.merchant.mchid}`);
  }
  const order = await modules.orders.find(caller.merchantId, { outTradeNo });
  if (!order) return refuse('ORDER_NOT_EXIST', '订单不存在');
  const closed = await modules.orders.close(order, 'closed_by_merchant');
  if (!closed.ok) return { ok: false, error: orderRefusal(closed.error) };
  return { ok: true, value: null };
}
