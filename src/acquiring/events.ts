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
import { createRecentCache } from '../shared/recent-cache.js';
import type { Store } from '../store/store.js';
import type { MerchantEvent } from './orders.js';

/** Every event of a native order without a notify_url reads its merchant's webhook URL. */
const WEBHOOK_URL_CACHE_TTL_MS = 1_000;
const WEBHOOK_URL_CACHE_ENTRIES_MAX = 10_000;

export function outboxWriter(deps: {
  store: Store;
  clock: Clock;
  network: NetworkService;
  merchants: MerchantService;
}): (event: MerchantEvent) => Promise<CompiledQuery[]> {
  const { store, clock, network, merchants } = deps;
  const db = store.db;
  const webhookUrls = createRecentCache<string, string>(WEBHOOK_URL_CACHE_TTL_MS, WEBHOOK_URL_CACHE_ENTRIES_MAX);
  const appWebhookUrl = async (merchantId: string): Promise<string | null> => {
    const cached = webhookUrls.get(merchantId);
    if (cached !== undefined) return cached;
    const app = await store.db
      .selectFrom('merchant_apps')
      .select('webhook_url')
      .where('merchant_id', '=', merchantId)
      .where('webhook_url', 'is not', null)
      .orderBy('created_at_ms')
      .executeTakeFirst();
    if (app?.webhook_url) webhookUrls.set(merchantId, app.webhook_url);
    return app?.webhook_url ?? null;
  };
  return async (event) => {
    // WeChat Pay tells merchants of payments and refunds, never of closed orders.
    if (event.protocol === 'wechatpay' && event.type === 'trade.closed') return [];
    const merchant = await merchants.get(event.merchantId);
    if (!merchant) return [];
    const native = event.protocol === 'saoma';
    const url = event.notifyUrl ?? (native ? await appWebhookUrl(event.merchantId) : null);
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
