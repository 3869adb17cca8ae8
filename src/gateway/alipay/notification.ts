// Alipay's asynchronous notification (trade_status_sync): a form POSTed to the order's notify_url,
// built at each attempt from the outbox event's payload and the order, signed with the platform's
// Alipay key over every field except sign and sign_type (sorted, raw values, RSA2). Only the plain
// text `success` acknowledges it; the outbox retries on Alipay's schedule otherwise.
import type { Kysely } from 'kysely';
import type { OutboundEvent, DeliveryFormat } from '../../notify/formats.js';
import { maskPhone } from '../../shared/mask.js';
import type { Schema } from '../../store/schema.js';
import type { GatewayFormatDeps } from '../formats.js';
import { gatewayKey } from '../platform-keys.js';
import { notificationContent, signText } from './signing.js';
import { beijingTime, beijingTimeMs, yuan } from './wire.js';

interface StoredEnvelope {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
}

type OrderRow = Awaited<ReturnType<typeof readOrder>>;

async function readOrder(db: Kysely<Schema>, orderId: string) {
  const row = await db
    .selectFrom('orders')
    .leftJoin('users', 'users.id', 'orders.payer_user_id')
    .select([
      'orders.id',
      'orders.merchant_id',
      'orders.out_trade_no',
      'orders.amount_fen',
      'orders.subject',
      'orders.protocol_data',
      'orders.payer_user_id',
      'orders.created_at_ms',
      'orders.paid_at_ms',
      'users.phone',
    ])
    .where('orders.id', '=', orderId)
    .executeTakeFirst();
  // Orders are never deleted, and every Alipay event names its order: anything else is a bug.
  if (!row) throw new Error(`alipay notification: order ${orderId} does not exist`);
  return row;
}

/** The fields every notification of an order carries. */
function tradeFields(order: OrderRow, event: StoredEnvelope, nowMs: number): Record<string, string> {
  const echoed = order.protocol_data === null ? {} : (JSON.parse(order.protocol_data) as Record<string, string>);
  const amount = yuan(BigInt(order.amount_fen));
  const fields: Record<string, string> = {
    notify_time: beijingTime(nowMs),
    notify_type: 'trade_status_sync',
    notify_id: event.id,
    app_id: echoed.app_id ?? '',
    auth_app_id: echoed.app_id ?? '',
    charset: 'utf-8',
    version: '1.0',
    trade_no: order.id,
    out_trade_no: order.out_trade_no,
    subject: order.subject,
    seller_id: order.merchant_id,
    total_amount: amount,
    gmt_create: beijingTime(order.created_at_ms),
  };
  if (echoed.passback_params !== undefined) fields.passback_params = echoed.passback_params;
  if (echoed.body !== undefined) fields.body = echoed.body;
  if (order.payer_user_id !== null) fields.buyer_id = order.payer_user_id;
  if (order.phone) fields.buyer_logon_id = maskPhone(order.phone);
  if (order.paid_at_ms !== null) {
    Object.assign(fields, {
      gmt_payment: beijingTime(order.paid_at_ms),
      receipt_amount: amount,
      invoice_amount: amount,
      buyer_pay_amount: amount,
      point_amount: '0.00',
      fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]),
    });
  }
  return fields;
}

/** A refund's own fields: refund_fee is everything refunded up to and including this refund. */
async function refundFields(db: Kysely<Schema>, order: OrderRow, refundId: string): Promise<Record<string, string>> {
  const refund = await db
    .selectFrom('refunds')
    .select(['out_request_no', 'completed_at_ms'])
    .where('id', '=', refundId)
    .executeTakeFirstOrThrow();
  const completedAtMs = BigInt(refund.completed_at_ms ?? 0n);
  const sum = await db
    .selectFrom('refunds')
    .select((eb) => eb.fn.sum<bigint>('amount_fen').as('refunded'))
    .where('order_id', '=', order.id)
    .where('status', '=', 'SUCCESS')
    .where('completed_at_ms', '<=', completedAtMs)
    .executeTakeFirstOrThrow();
  const refundedFen = BigInt(sum.refunded ?? 0);
  return {
    trade_status: refundedFen >= BigInt(order.amount_fen) ? 'TRADE_CLOSED' : 'TRADE_SUCCESS',
    out_biz_no: refund.out_request_no,
    refund_fee: yuan(refundedFen),
    gmt_refund: beijingTimeMs(completedAtMs),
  };
}

async function eventFields(deps: GatewayFormatDeps, event: StoredEnvelope): Promise<Record<string, string>> {
  const order = await readOrder(deps.store.db, String(event.data.order_id));
  const fields = tradeFields(order, event, deps.clock.nowMs());
  switch (event.type) {
    case 'trade.success':
      return { ...fields, trade_status: 'TRADE_SUCCESS' };
    case 'trade.closed':
      return { ...fields, trade_status: 'TRADE_CLOSED', gmt_close: beijingTime(Date.parse(event.created_at)) };
    case 'refund.success':
      return { ...fields, ...(await refundFields(deps.store.db, order, String(event.data.refund_id))) };
    default:
      throw new Error(`alipay notification: no form for event type ${event.type}`);
  }
}

export function alipayDeliveryFormat(deps: GatewayFormatDeps): DeliveryFormat {
  return {
    async request(outbound: OutboundEvent) {
      const event = JSON.parse(outbound.body) as StoredEnvelope;
      const fields = await eventFields(deps, event);
      const key = await gatewayKey(deps.store, 'alipay', deps.clock);
      const signed = { ...fields, sign_type: 'RSA2', sign: signText(notificationContent(fields), key.privateKey) };
      return {
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(signed).toString(),
      };
    },
    acknowledged(httpStatus, bodyText) {
      return httpStatus >= 200 && httpStatus < 300 && bodyText.trim() === 'success';
    },
  };
}
