// WeChat Pay v3 refunds on the engine's refunds: several per order, idempotent per out_refund_no,
// never more in total than was paid, the fee back pro rata (the engine's rules), and their query.
import type { Modules } from '../../modules.js';
import { checkWebhookUrl } from '../../notify/outbox.js';
import type { WechatpayCaller } from './auth.js';
import { paramError, refundRefusal, refuse, type Answer } from './errors.js';
import { amountAt, bodyObject, currencyAt, objectAt, readAll, stringAt } from './params.js';
import { activeMerchant } from './transactions.js';
import { refundJson } from './views.js';

/** WeChat Pay allows `@` too; Saoma's refund numbers do not, so it is refused here rather than later. */
const OUT_REFUND_NO_PATTERN = /^[A-Za-z0-9_\-|*]{1,64}$/;

export async function createRefund(
  modules: Modules,
  caller: WechatpayCaller,
  rawBody: unknown,
): Promise<Answer<object>> {
  const read = readRefund(rawBody);
  if (!read.ok) return read;
  const wanted = read.value;
  const merchant = await activeMerchant(modules, caller);
  if (!merchant.ok) return merchant;
  // Both given: WeChat Pay goes by transaction_id.
  const order =
    wanted.transactionId !== null
      ? await modules.orders.find(caller.merchantId, { orderId: wanted.transactionId })
      : await modules.orders.find(caller.merchantId, { outTradeNo: wanted.outTradeNo! });
  if (!order) return refuse('RESOURCE_NOT_EXISTS', '订单不存在');
  if (wanted.totalFen !== order.amountFen) {
    return paramError(
      '/amount/total',
      `订单金额不一致: the order's total is ${order.amountFen} fen`,
      Number(wanted.totalFen),
    );
  }
  const refunded = await modules.refunds.refund(merchant.value, order, {
    outRequestNo: wanted.outRefundNo,
    amountFen: wanted.refundFen,
    ...(wanted.reason === null ? {} : { reason: wanted.reason }),
  });
  if (!refunded.ok) return { ok: false, error: refundRefusal(refunded.error) };
  return { ok: true, value: refundJson(refunded.value, (await modules.orders.get(order.id))!) };
}

function readRefund(rawBody: unknown) {
  const body = bodyObject(rawBody);
  if (!body.ok) return body;
  const fields = readAll({
    transactionId: stringAt(body.value, 'transaction_id', '/transaction_id', { required: false, maxLength: 32 }),
    outTradeNo: stringAt(body.value, 'out_trade_no', '/out_trade_no', { required: false, maxLength: 32 }),
    outRefundNo: stringAt(body.value, 'out_refund_no', '/out_refund_no', {
      required: true,
      maxLength: 64,
      pattern: OUT_REFUND_NO_PATTERN,
      patternHint: 'may hold only digits, letters and _-|*',
    }),
    reason: stringAt(body.value, 'reason', '/reason', { required: false, maxLength: 80 }),
    notifyUrl: stringAt(body.value, 'notify_url', '/notify_url', { required: false, maxLength: 256 }),
    amount: objectAt(body.value, 'amount', '/amount', true),
  });
  if (!fields.ok) return fields;
  const amount = fields.value.amount!;
  const amounts = readAll({
    refundFen: amountAt(amount, 'refund', '/amount/refund'),
    totalFen: amountAt(amount, 'total', '/amount/total'),
    currency: currencyAt(amount, '/amount/currency', true),
  });
  if (!amounts.ok) return amounts;
  const { transactionId, outTradeNo, notifyUrl } = fields.value;
  if (transactionId === null && outTradeNo === null) {
    return paramError('/out_trade_no', 'transaction_id or out_trade_no is required', null);
  }
  if (notifyUrl !== null) {
    const checked = checkWebhookUrl(notifyUrl);
    if (!checked.ok) return paramError('/notify_url', checked.error.message, notifyUrl);
  }
  return {
    ok: true as const,
    value: { ...fields.value, outRefundNo: fields.value.outRefundNo!, ...amounts.value },
  };
}

export async function queryRefund(
  modules: Modules,
  caller: WechatpayCaller,
  outRefundNo: string,
): Promise<Answer<object>> {
  const refund = await modules.refunds.find(caller.merchantId, outRefundNo);
  if (!refund) return refuse('RESOURCE_NOT_EXISTS', '退款单不存在');
  const order = (await modules.orders.get(refund.orderId))!;
  return { ok: true, value: refundJson(refund, order) };
}
