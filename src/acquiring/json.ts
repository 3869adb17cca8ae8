// The native API's JSON for orders, refunds and settlements: amounts as strings of fen, times as
// ISO strings, a code's URL and EMV string next to the code.
import type { FastifyRequest } from 'fastify';
import type { Order } from './orders.js';
import type { Refund } from './refunds.js';
import type { Settlement } from './settlement.js';
import { codeUrl } from './code-text.js';

const iso = (ms: bigint | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** `http://host:port` as the client reached us: what a printed or shown code must point at. */
export const baseUrlOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;

export function orderJson(order: Order, baseUrl: string) {
  return {
    order_id: order.id,
    out_trade_no: order.outTradeNo,
    status: order.status,
    channel: order.channel,
    amount: order.amountFen.toString(),
    fee: order.feeFen.toString(),
    refunded: order.refundedFen.toString(),
    subject: order.subject,
    store_id: order.storeId,
    code: order.code,
    code_url: order.code === null ? null : codeUrl(baseUrl, order.code),
    close_reason: order.closeReason,
    created_at: iso(order.createdAtMs),
    expires_at: iso(order.expiresAtMs),
    paid_at: iso(order.paidAtMs),
  };
}

export const refundJson = (refund: Refund) => ({
  refund_id: refund.id,
  order_id: refund.orderId,
  out_request_no: refund.outRequestNo,
  status: refund.status,
  amount: refund.amountFen.toString(),
  fee_refund: refund.feeRefundFen.toString(),
  reason: refund.reason,
  created_at: iso(refund.createdAtMs),
  completed_at: iso(refund.completedAtMs),
});

export const settlementJson = (settlement: Settlement) => ({
  settlement_id: settlement.id,
  business_date: settlement.businessDate,
  status: settlement.status,
  gross: settlement.grossFen.toString(),
  fee: settlement.feeFen.toString(),
  refunds: settlement.refundFen.toString(),
  net: settlement.netFen.toString(),
  payments: settlement.paymentCount,
  refund_count: settlement.refundCount,
  paid_out_at: iso(settlement.paidOutAtMs),
});
