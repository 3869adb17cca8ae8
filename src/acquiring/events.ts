// Merchant events into the notify module's outbox, as statements that join the transaction of
// the state change they announce. A native order's events go to its notify_url, else the
// merchant's app webhook URL, with the retry schedule of the merchant's provider; an order made
// through a protocol gateway is told in that protocol (the outbox row's `format`), to its own
// notify_url only, on that protocol's schedule. No URL, no event: the query endpoints are the
// source of truth either way.
import type { CompiledQuery } from 'kysely';
import type { MerchantService } from '../merchant/service.js';
import type { NetworkService } from '../network/service.js';
import { compileEnqueue } from '../notify/outbox.js';
import { ALIPAY_LIKE_RETRY_SECONDS, WECHAT_LIKE_RETRY_SECONDS } from '../notify/retry-schedules.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import type { MerchantEvent } from './orders.js';

export function outboxWriter(deps: {
  store: Store;
  clock: Clock;
  network: NetworkService;
  merchants: MerchantService;
}): (event: MerchantEvent) => Promise<CompiledQuery[]> {
  const { store, clock, network, merchants } = deps;
  const db = store.db;
  return async (event) => {
    const merchant = await merchants.get(event.merchantId);
    if (!merchant) return [];
    const native = event.protocol === 'saoma';
    const url = event.notifyUrl ?? (native ? await appWebhookUrl(store, event.merchantId) : null);
    if (url === null) return [];
    const enqueued = compileEnqueue(
      db,
      {
        merchantId: event.merchantId,
        type: event.type,
        payload: event.payload,
        url,
        retryScheduleSeconds: native
          ? (await network.getProvider(merchant.providerId))!.policy.payments.notifyRetrySeconds
          : event.protocol === 'alipay'
            ? ALIPAY_LIKE_RETRY_SECONDS
            : WECHAT_LIKE_RETRY_SECONDS,
        format: event.protocol,
      },
      clock,
    );
    return [enqueued.query];
  };
}

async function appWebhookUrl(store: Store, merchantId: string): Promise<string | null> {
  const app = await store.db
    .selectFrom('merchant_apps')
    .select('webhook_url')
    .where('merchant_id', '=', merchantId)
    .where('webhook_url', 'is not', null)
    .orderBy('created_at_ms')
    .executeTakeFirst();
  return app?.webhook_url ?? null;
}
