// The engine's orders and refunds as WeChat Pay v3 shows them: the transaction of a query (and of
// a TRANSACTION.SUCCESS notification) and the refund of a refund call, its query and REFUND.SUCCESS.
// Amounts are integers in fen; times RFC 3339 in Beijing time; transaction_id is Saoma's order id.
import type { Order } from '../../acquiring/orders.js';
import type { Refund } from '../../acquiring/refunds.js';

export type TradeType = 'NATIVE' | 'JSAPI' | 'APP' | 'MWEB';
export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'USERPAYING';

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const TRADE_STATE_DESC: Record<TradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  USERPAYING: '用户支付中',
};
/** A wallet balance pays every Saoma order: WeChat Pay's bank_type for its own balance is OTHERS. */
const BANK_TYPE = 'OTHERS';
const USER_RECEIVED_ACCOUNT = '支付用户零钱';

/** `2024-01-01T12:00:00+08:00`. */
export function beijingTime(atMs: bigint | number): string {
  return `${new Date(Number(atMs) + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

export function tradeStateOf(order: Order, nowMs: number): TradeState {
  switch (order.status) {
    case 'SUCCESS':
      return 'SUCCESS';
    case 'REFUND':
      return 'REFUND';
    case 'CLOSED':
      return 'CLOSED';
    case 'USERPAYING':
    case 'PAYING':
      return 'USERPAYING';
    case 'WAIT_BUYER_PAY':
      // Past its expiry an order can no longer be paid, even before the sweep has closed it.
      return order.expiresAtMs <= BigInt(nowMs) ? 'CLOSED' : 'NOTPAY';
  }
}

/** The trade type the order was made with; an order made elsewhere shows its channel's nearest. */
export function tradeTypeOf(order: Order): TradeType | 'MICROPAY' {
  const stored = order.protocolData?.trade_type;
  if (stored === 'NATIVE' || stored === 'JSAPI' || stored === 'APP' || stored === 'MWEB') return stored;
  return order.channel === 'payment_code' ? 'MICROPAY' : 'NATIVE';
}

export const isPaid = (order: Order): boolean => order.paidAtMs !== null;

export function transactionJson(
  order: Order,
  context: { mchid: string; appid: string; payerOpenid: string | null; tradeState: TradeState },
) {
  const paid = isPaid(order);
  const total = Number(order.amountFen);
  return {
    appid: order.protocolData?.appid ?? context.appid,
    mchid: context.mchid,
    out_trade_no: order.outTradeNo,
    // WeChat Pay numbers a transaction once it is paid: an unpaid order has none to show.
    ...(paid ? { transaction_id: order.id } : {}),
    trade_type: tradeTypeOf(order),
    trade_state: context.tradeState,
    trade_state_desc: TRADE_STATE_DESC[context.tradeState],
    ...(paid ? { bank_type: BANK_TYPE, success_time: beijingTime(order.paidAtMs!) } : {}),
    attach: order.protocolData?.attach ?? '',
    payer: context.payerOpenid === null ? {} : { openid: context.payerOpenid },
    amount: paid
      ? { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' }
      : { total, currency: 'CNY', payer_currency: 'CNY' },
  };
}

export function refundJson(refund: Refund, order: Order) {
  const total = Number(order.amountFen);
  const refundFen = Number(refund.amountFen);
  const status = refund.status === 'FAILED' ? 'CLOSED' : refund.status;
  return {
    refund_id: refund.id,
    out_refund_no: refund.outRequestNo,
    transaction_id: order.id,
    out_trade_no: order.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: USER_RECEIVED_ACCOUNT,
    ...(refund.status === 'SUCCESS' && refund.completedAtMs !== null
      ? { success_time: beijingTime(refund.completedAtMs) }
      : {}),
    create_time: beijingTime(refund.createdAtMs),
    status,
    funds_account: 'UNSETTLED',
    amount: {
      total,
      refund: refundFen,
      payer_total: total,
      payer_refund: refundFen,
      settlement_total: total,
      settlement_refund: refundFen,
      discount_refund: 0,
      currency: 'CNY',
      refund_fee: Number(refund.feeRefundFen),
    },
    promotion_detail: [],
  };
}
