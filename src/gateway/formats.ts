// The notification formats of the protocol gateways, by the name their orders' events carry in
// the outbox's `format` column (the protocol's name). The notifier (src/notify/worker.ts) sends
// every other event as Saoma's own signed webhook.
import type { DeliveryFormats } from '../notify/formats.js';
import type { Clock } from '../shared/clock.js';
import type { FieldCipher } from '../shared/field-cipher.js';
import type { Store } from '../store/store.js';
import { wechatpayDeliveryFormat } from './wechatpay/notify-format.js';
import { alipayDeliveryFormat } from './alipay/notification.js';

export interface GatewayFormatDeps {
  store: Store;
  clock: Clock;
  cipher: FieldCipher;
}

export function gatewayDeliveryFormats(deps: GatewayFormatDeps): DeliveryFormats {
  void deps;
  return { wechatpay: wechatpayDeliveryFormat(deps), alipay: alipayDeliveryFormat(deps) };
}
