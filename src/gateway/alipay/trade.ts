// The alipay.trade.* methods on Saoma's one engine: an Alipay trade is an order (trade_no = the
// order id) made with protocol `alipay`, paid by a wallet user who scans its qr_code (the order's
// /c/<code> URL) or whose payment code the cashier scanned; refunds, close and cancel are the
// engine's own. Nothing here moves money by itself.
import { codeUrl } from '../../acquiring/code-text.js';
import type { Order } from '../../acquiring/orders.js';
import type { Refund } from '../../acquiring/refunds.js';
import { maskPhone } from '../../shared/mask.js';
import type { Problem } from '../../shared/result.js';
import {
  answer,
  optionalText,
  orderOf,
  protocolDataOf,
  requiredAmount,
  requiredText,
  type MethodContext,
  type MethodHandler,
} from './context.js';
import { businessFailure, fail, invalidParameter, type Outcome } from './errors.js';
import { beijingTime, fundBillList, tradeStatusOf, yuan } from './wire.js';

const OUT_TRADE_NO_LENGTH_MAX = 64;
const SUBJECT_LENGTH_MAX = 256;
const SCENES = ['bar_code', 'wave_code', 'security_code'];
/** Fields an order keeps to echo in its notifications (passback_params) or to show (body, store_id). */
const ECHOED = ['body', 'passback_params', 'store_id', 'terminal_id', 'operator_id'];

/** The trade fields common to query, pay and refund answers. */
async function tradeFields(context: MethodContext, order: Order): Promise<Record<string, unknown>> {
  const buyer = order.payerUserId ? await context.modules.identity.getUser(order.payerUserId) : null;
  const paid = order.paidAtMs !== null;
  return {
    trade_no: order.id,
    out_trade_no: order.outTradeNo,
    buyer_logon_id: buyer ? maskPhone(buyer.phone) : undefined,
    buyer_user_id: buyer?.id,
    total_amount: yuan(order.amountFen),
    ...(paid
      ? {
          buyer_pay_amount: yuan(order.amountFen),
          receipt_amount: yuan(order.amountFen),
          invoice_amount: yuan(order.amountFen),
          point_amount: '0.00',
          gmt_payment: beijingTime(order.paidAtMs!),
          fund_bill_list: fundBillList(order.amountFen),
        }
      : {}),
  };
}

/** A scanned-code order's timeout: `90m`, `2h`, `1d`, or `1c` (until midnight, Beijing time). */
function timeoutSecondsOf(context: MethodContext): Outcome<number | undefined> {
  const read = optionalText(context.biz, 'timeout_express', 'trade', 8);
  if (!read.ok) return read;
  if (read.value === undefined) return { ok: true, value: undefined };
  if (read.value === '1c') {
    const beijingMs = context.modules.clock.nowMs() + 8 * 3600 * 1000;
    return { ok: true, value: Math.max(1, Math.ceil((86_400_000 - (beijingMs % 86_400_000)) / 1000)) };
  }
  const match = /^([1-9][0-9]{0,4})([mhd])$/.exec(read.value);
  if (!match) return invalidParameter('trade', 'timeout_express is like 90m, 2h, 1d or 1c');
  return { ok: true, value: Number(match[1]) * { m: 60, h: 3600, d: 86_400 }[match[2] as 'm' | 'h' | 'd'] };
}

/** The order's store, when the merchant named one of its Saoma stores (any other store_id is only echoed). */
async function saomaStoreOf(context: MethodContext): Promise<string | undefined> {
  const storeId = context.biz.store_id;
  if (typeof storeId !== 'string') return undefined;
  const store = await context.modules.merchants.getStore(storeId);
  return store?.merchantId === context.merchant.id ? store.id : undefined;
}

interface NewTrade {
  outTradeNo: string;
  amountFen: bigint;
  subject: string;
}

function newTradeOf(context: MethodContext): Outcome<NewTrade> {
  const outTradeNo = requiredText(context.biz, 'out_trade_no', 'trade', OUT_TRADE_NO_LENGTH_MAX);
  if (!outTradeNo.ok) return outTradeNo;
  const amountFen = requiredAmount(context.biz, 'total_amount', 'trade');
  if (!amountFen.ok) return amountFen;
  const subject = requiredText(context.biz, 'subject', 'trade', SUBJECT_LENGTH_MAX);
  if (!subject.ok) return subject;
  return { ok: true, value: { outTradeNo: outTradeNo.value, amountFen: amountFen.value, subject: subject.value } };
}

/** An order that came back from the same out_trade_no but can no longer be paid. */
function finished(order: Order) {
  if (order.status === 'SUCCESS' || order.status === 'REFUND') {
    return fail('40004', 'ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
  }
  if (order.status === 'CLOSED') return fail('40004', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
  return null;
}

/** The engine's answer for a new trade: a clash with an existing out_trade_no says what that trade is, as Alipay does. */
async function creationRefusal(context: MethodContext, outTradeNo: string, refusal: Problem) {
  if (refusal.code === 'out_trade_no_conflict') {
    const existing = await context.modules.orders.find(context.merchant.id, { outTradeNo });
    const done = existing ? finished(existing) : null;
    if (done) return done;
  }
  return businessFailure('trade', refusal);
}

/**
 * A QR trade (precreate, create): the engine's order with Alipay's echoed fields, payable only by
 * `payerUserId` when one is given. A repeat of a trade already paid or closed says so.
 */
async function openTrade(context: MethodContext, trade: NewTrade, payerUserId?: string): Promise<Outcome<Order>> {
  const timeoutSeconds = timeoutSecondsOf(context);
  if (!timeoutSeconds.ok) return timeoutSeconds;
  const protocolData = protocolDataOf(context, ECHOED);
  if (!protocolData.ok) return protocolData;
  const created = await context.modules.acquiring.createOrder(context.merchant, {
    ...trade,
    timeoutSeconds: timeoutSeconds.value,
    notifyUrl: context.notifyUrl,
    storeId: await saomaStoreOf(context),
    protocol: 'alipay',
    protocolData: protocolData.value,
    ...(payerUserId === undefined ? {} : { payerUserId }),
  });
  if (!created.ok) return creationRefusal(context, trade.outTradeNo, created.error);
  return finished(created.value) ?? { ok: true, value: created.value };
}

const precreate: MethodHandler = async (context) => {
  const trade = newTradeOf(context);
  if (!trade.ok) return trade;
  const opened = await openTrade(context, trade.value);
  if (!opened.ok) return opened;
  const order = opened.value;
  return answer({ out_trade_no: order.outTradeNo, qr_code: codeUrl(context.baseUrl, order.code!) });
};

const create: MethodHandler = async (context) => {
  const trade = newTradeOf(context);
  if (!trade.ok) return trade;
  // Alipay's buyer_id (or buyer_open_id) is the Saoma user id: only that user may pay the trade.
  const buyerId = requiredText(
    { buyer_id: context.biz.buyer_id ?? context.biz.buyer_open_id },
    'buyer_id',
    'trade',
    64,
  );
  if (!buyerId.ok) return buyerId;
  const buyer = await context.modules.identity.getUser(buyerId.value);
  if (!buyer || buyer.providerId !== context.merchant.providerId) {
    return invalidParameter('trade', `buyer_id ${buyerId.value} is not a user of this merchant's wallet provider`);
  }
  const opened = await openTrade(context, trade.value, buyer.id);
  if (!opened.ok) return opened;
  return answer({ out_trade_no: opened.value.outTradeNo, trade_no: opened.value.id });
};

const pay: MethodHandler = async (context) => {
  const trade = newTradeOf(context);
  if (!trade.ok) return trade;
  const scene = optionalText(context.biz, 'scene', 'trade', 32);
  if (!scene.ok) return scene;
  if (scene.value !== undefined && !SCENES.includes(scene.value)) {
    return invalidParameter('trade', `scene must be one of ${SCENES.join(', ')}`);
  }
  const authCode = requiredText(context.biz, 'auth_code', 'trade', 32);
  if (!authCode.ok) return authCode;
  const protocolData = protocolDataOf(context, ECHOED);
  if (!protocolData.ok) return protocolData;
  const paid = await context.modules.acquiring.payByCode(context.merchant, {
    ...trade.value,
    authCode: authCode.value,
    storeId: await saomaStoreOf(context),
    notifyUrl: context.notifyUrl,
    protocol: 'alipay',
    protocolData: protocolData.value,
  });
  if (!paid.ok) return creationRefusal(context, trade.value.outTradeNo, paid.error);
  const order = paid.value;
  if (order.status === 'CLOSED') return fail('40004', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
  const fields = await tradeFields(context, order);
  // Above the password-free limit the payer confirms with the PIN: the till polls query or cancels.
  return answer(fields, order.status === 'SUCCESS' || order.status === 'REFUND' ? '10000' : '10003');
};

const query: MethodHandler = async (context) => {
  const order = await orderOf(context);
  if (!order.ok) return order;
  return answer({
    ...(await tradeFields(context, order.value)),
    trade_status: tradeStatusOf(order.value),
    subject: order.value.subject,
    send_pay_date: order.value.paidAtMs === null ? undefined : beijingTime(order.value.paidAtMs),
  });
};

const refund: MethodHandler = async (context) => {
  const amountFen = requiredAmount(context.biz, 'refund_amount', 'trade');
  if (!amountFen.ok) return amountFen;
  const order = await orderOf(context);
  if (!order.ok) return order;
  const outRequestNo = optionalText(context.biz, 'out_request_no', 'trade', 64);
  if (!outRequestNo.ok) return outRequestNo;
  const reason = optionalText(context.biz, 'refund_reason', 'trade', 200);
  if (!reason.ok) return reason;
  // Without out_request_no Alipay treats the request as the trade's one refund: named by the trade.
  const requestNo = outRequestNo.value ?? order.value.id;
  const before = await context.modules.refunds.find(context.merchant.id, requestNo);
  const refunded = await context.modules.refunds.refund(context.merchant, order.value, {
    outRequestNo: requestNo,
    amountFen: amountFen.value,
    reason: reason.value,
  });
  if (!refunded.ok) return businessFailure('trade', refunded.error);
  const after = (await context.modules.orders.get(order.value.id))!;
  return answer({
    ...(await tradeFields(context, after)),
    fund_change: before?.status === 'SUCCESS' ? 'N' : 'Y',
    refund_fee: yuan(after.refundedFen),
    send_back_fee: yuan(refunded.value.amountFen),
    gmt_refund_pay: beijingTime(refunded.value.completedAtMs ?? refunded.value.createdAtMs),
  });
};

const refundQuery: MethodHandler = async (context) => {
  const outRequestNo = requiredText(context.biz, 'out_request_no', 'trade', 64);
  if (!outRequestNo.ok) return outRequestNo;
  const order = await orderOf(context);
  if (!order.ok) return order;
  const found = await context.modules.refunds.find(context.merchant.id, outRequestNo.value);
  const base = { trade_no: order.value.id, out_trade_no: order.value.outTradeNo, out_request_no: outRequestNo.value };
  // As Alipay: no refund_status means the refund was not received, failed, or is still processing.
  if (!found || found.orderId !== order.value.id || found.status !== 'SUCCESS') return answer(base);
  return answer({ ...base, ...refundFields(order.value, found) });
};

function refundFields(order: Order, found: Refund) {
  return {
    refund_status: 'REFUND_SUCCESS',
    total_amount: yuan(order.amountFen),
    refund_amount: yuan(found.amountFen),
    send_back_fee: yuan(found.amountFen),
    refund_reason: found.reason ?? undefined,
    gmt_refund_pay: found.completedAtMs === null ? undefined : beijingTime(found.completedAtMs),
  };
}

/** Alipay refuses to close (or cancel) what is paid or being paid with TRADE_STATUS_ERROR. */
function closeRefusal(refusal: Problem) {
  if (refusal.code === 'order_paid' || refusal.code === 'order_being_paid') {
    return fail('40004', 'ACQ.TRADE_STATUS_ERROR', `交易状态不合法（${refusal.message}）`);
  }
  return businessFailure('trade', refusal);
}

const close: MethodHandler = async (context) => {
  const order = await orderOf(context);
  if (!order.ok) return order;
  if (order.value.status === 'SUCCESS' || order.value.status === 'REFUND') {
    return closeRefusal({
      code: 'order_paid',
      message: `order ${order.value.outTradeNo} has been paid: refund it instead`,
    });
  }
  const closed = await context.modules.orders.close(order.value, 'closed_by_merchant');
  if (!closed.ok) return closeRefusal(closed.error);
  return answer({ trade_no: closed.value.id, out_trade_no: closed.value.outTradeNo });
};

/** Closed if unpaid, refunded in full if paid — with the refund the native API's cancel makes. */
const cancel: MethodHandler = async (context) => {
  const order = await orderOf(context);
  if (!order.ok) return order;
  const base = { trade_no: order.value.id, out_trade_no: order.value.outTradeNo, retry_flag: 'N' };
  if (order.value.status !== 'SUCCESS' && order.value.status !== 'REFUND') {
    const closed = await context.modules.orders.close(order.value, 'cancelled');
    if (!closed.ok) return closeRefusal(closed.error);
    return answer({ ...base, action: 'close' });
  }
  const requestNo = `cancel-${order.value.id}`;
  const earlier = await context.modules.refunds.find(context.merchant.id, requestNo);
  const leftFen = earlier ? earlier.amountFen : order.value.amountFen - order.value.refundedFen;
  if (leftFen === 0n) return answer({ ...base, action: 'refund' });
  const refunded = await context.modules.refunds.refund(context.merchant, order.value, {
    outRequestNo: requestNo,
    amountFen: leftFen,
    reason: 'cancelled',
  });
  if (!refunded.ok) return businessFailure('trade', refunded.error);
  return answer({
    ...base,
    action: 'refund',
    gmt_refund_pay: beijingTime(refunded.value.completedAtMs ?? refunded.value.createdAtMs),
  });
};

export const tradeMethods: Readonly<Record<string, MethodHandler>> = {
  'alipay.trade.precreate': precreate,
  'alipay.trade.create': create,
  'alipay.trade.pay': pay,
  'alipay.trade.query': query,
  'alipay.trade.refund': refund,
  'alipay.trade.fastpay.refund.query': refundQuery,
  'alipay.trade.close': close,
  'alipay.trade.cancel': cancel,
};
