// WeChat Pay v3 notifications for the notifier (src/notify/worker.ts): a payment's event becomes
// TRANSACTION.SUCCESS and a refund's REFUND.SUCCESS, each with its resource (the query's object)
// encrypted with AES-256-GCM under the merchant's APIv3 key, and the four Wechatpay-* headers
// signed with the platform key at send time. The merchant acknowledges with 200 or 204.
import { toOrder, type Order } from '../../acquiring/orders.js';
import { toRefund, type Refund } from '../../acquiring/refunds.js';
import type { DeliveryFormat, OutboundEvent } from '../../notify/formats.js';
import type { GatewayFormatDeps } from '../formats.js';
import { gatewayKey } from '../platform-keys.js';
import { unsealApiV3Key, wechatpayMerchantOf, type WechatpayMerchantRow } from './credentials.js';
import { encryptResource, platformHeaders } from './signing.js';
import { transactionOf } from './transactions.js';
import { beijingTime, refundJson } from './views.js';

/** The engine's events WeChat Pay tells merchants about; it does not notify a closed order. */
export const WECHATPAY_NOTIFIED_EVENTS: Readonly<Record<string, { eventType: string; summary: string }>> = {
  'trade.success': { eventType: 'TRANSACTION.SUCCESS', summary: '支付成功' },
  'refund.success': { eventType: 'REFUND.SUCCESS', summary: '退款成功' },
};

interface StoredEnvelope {
  created_at?: string;
  data?: { order_id?: string; refund_id?: string };
}

export function wechatpayDeliveryFormat(deps: GatewayFormatDeps): DeliveryFormat {
  return {
    async request(event) {
      const kind = Object.hasOwn(WECHATPAY_NOTIFIED_EVENTS, event.type) ? WECHATPAY_NOTIFIED_EVENTS[event.type]! : null;
      if (kind === null) {
        // src/acquiring/events.ts enqueues only the events above for WeChat Pay orders.
        throw new Error(`WeChat Pay has no notification for ${event.type} (event ${event.id})`);
      }
      const envelope = JSON.parse(event.body) as StoredEnvelope;
      const order = await orderOf(deps, envelope, event);
      const merchant = await wechatpayMerchantOf(deps.store, order.merchantId);
      if (!merchant) throw new Error(`order ${order.id} was made through WeChat Pay but its merchant has no mchid`);
      const [originalType, resource] =
        event.type === 'trade.success'
          ? ['transaction', await paidTransaction(deps, merchant, order)]
          : ['refund', refundResource(merchant, order, await refundOf(deps, envelope, event))];
      const body = JSON.stringify({
        id: event.id,
        create_time: beijingTime(Date.parse(envelope.created_at ?? '') || deps.clock.nowMs()),
        resource_type: 'encrypt-resource',
        event_type: kind.eventType,
        summary: kind.summary,
        resource: {
          original_type: originalType,
          ...encryptResource(JSON.stringify(resource), unsealApiV3Key(deps.cipher, merchant), originalType),
        },
      });
      const key = await gatewayKey(deps.store, 'wechatpay', deps.clock);
      const signed = platformHeaders({ body, nowMs: deps.clock.nowMs(), keyId: key.keyId, privateKey: key.privateKey });
      return { headers: { 'content-type': 'application/json', ...signed }, body };
    },
    acknowledged(httpStatus) {
      return httpStatus === 200 || httpStatus === 204;
    },
  };
}

async function orderOf(deps: GatewayFormatDeps, envelope: StoredEnvelope, event: OutboundEvent): Promise<Order> {
  const orderId = envelope.data?.order_id;
  const row =
    orderId === undefined
      ? undefined
      : await deps.store.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!row) throw new Error(`event ${event.id} names no order of this network`);
  return toOrder(row);
}

/** The transaction as it was paid: a later refund does not change what TRANSACTION.SUCCESS says. */
async function paidTransaction(deps: GatewayFormatDeps, merchant: WechatpayMerchantRow, order: Order) {
  return transactionOf(deps, { merchant }, order, 'SUCCESS');
}

async function refundOf(deps: GatewayFormatDeps, envelope: StoredEnvelope, event: OutboundEvent): Promise<Refund> {
  const refundId = envelope.data?.refund_id;
  const row =
    refundId === undefined
      ? undefined
      : await deps.store.db.selectFrom('refunds').selectAll().where('id', '=', refundId).executeTakeFirst();
  if (!row) throw new Error(`event ${event.id} names no refund of this network`);
  return toRefund(row);
}

/** REFUND.SUCCESS's resource: the refund query's fields, as WeChat Pay names them in a notification. */
function refundResource(merchant: WechatpayMerchantRow, order: Order, refund: Refund) {
  const queried = refundJson(refund, order);
  return {
    mchid: merchant.mchid,
    out_trade_no: queried.out_trade_no,
    transaction_id: queried.transaction_id,
    out_refund_no: queried.out_refund_no,
    refund_id: queried.refund_id,
    refund_status: queried.status,
    ...(queried.success_time === undefined ? {} : { success_time: queried.success_time }),
    user_received_account: queried.user_received_account,
    amount: {
      total: queried.amount.total,
      refund: queried.amount.refund,
      payer_total: queried.amount.payer_total,
      payer_refund: queried.amount.payer_refund,
    },
  };
}
