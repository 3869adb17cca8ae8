// What the classic gateway and the v3 API share once a request is authentic: the table of
// methods, the app's merchant, and running a method with infrastructure faults turned into
// Alipay's 20000 (logged) rather than a bare 500.
import type { FastifyBaseLogger } from 'fastify';
import type { MerchantTransferService } from '../../acquiring/merchant-transfers.js';
import type { Merchant } from '../../merchant/service.js';
import type { Modules } from '../../modules.js';
import { checkWebhookUrl } from '../../notify/outbox.js';
import { billLink, billMethods } from './bill.js';
import type { MethodAnswer, MethodHandler } from './context.js';
import { fail, systemError, type Outcome } from './errors.js';
import { fundMethods } from './fund.js';
import { tradeMethods } from './trade.js';

export const METHODS: Readonly<Record<string, MethodHandler>> = {
  ...tradeMethods,
  ...billMethods,
  ...fundMethods,
};

export const isMethod = (name: string): boolean => Object.hasOwn(METHODS, name);

export interface GatewayDeps {
  modules: Modules;
  transfers: MerchantTransferService;
}

export interface AlipayApp {
  appId: string;
  merchantId: string;
  publicKeyPem: string;
}

/** The app by its id: an RSA merchant app (an Ed25519 one cannot speak Alipay's protocol). */
export async function alipayAppOf(modules: Modules, appId: string): Promise<Outcome<AlipayApp>> {
  const row = await modules.store.db
    .selectFrom('merchant_apps')
    .select(['merchant_id', 'key_algorithm', 'public_key_pem'])
    .where('app_id', '=', appId)
    .executeTakeFirst();
  if (!row) return fail('40002', 'isv.invalid-app-id', `无效的AppID参数：没有应用 ${appId}`);
  if (row.key_algorithm !== 'rsa') {
    return fail('40002', 'isv.invalid-app-id', `应用 ${appId} 的密钥是 Ed25519；支付宝协议需要 RSA 密钥`);
  }
  return { ok: true, value: { appId, merchantId: row.merchant_id, publicKeyPem: row.public_key_pem } };
}

export async function activeMerchantOf(modules: Modules, app: AlipayApp): Promise<Outcome<Merchant>> {
  const merchant = await modules.merchants.get(app.merchantId);
  if (!merchant || merchant.status !== 'active') {
    return fail('40006', 'isv.insufficient-isv-permissions', '商户已被暂停，无权调用接口');
  }
  return { ok: true, value: merchant };
}

export function notifyUrlOf(value: unknown): Outcome<string | undefined> {
  if (value === undefined || value === null || value === '') return { ok: true, value: undefined };
  const checked = typeof value === 'string' ? checkWebhookUrl(value) : null;
  if (!checked?.ok) return fail('40002', 'isv.invalid-notify-url', 'notify_url 必须是 http(s) 绝对地址');
  return { ok: true, value: value as string };
}

export async function runMethod(
  deps: GatewayDeps,
  log: FastifyBaseLogger,
  input: {
    method: string;
    app: AlipayApp;
    merchant: Merchant;
    biz: Readonly<Record<string, unknown>>;
    notifyUrl: string | undefined;
    baseUrl: string;
  },
): Promise<Outcome<MethodAnswer>> {
  const handler = METHODS[input.method]!;
  try {
    return await handler({
      modules: deps.modules,
      transfers: deps.transfers,
      merchant: input.merchant,
      appId: input.app.appId,
      biz: input.biz,
      notifyUrl: input.notifyUrl,
      baseUrl: input.baseUrl,
      billDownloadUrl: (date) => billLink(deps.modules, input.baseUrl, input.merchant.id, date),
    });
  } catch (error) {
    log.error({ err: error, method: input.method }, 'alipay gateway: the method failed');
    return systemError();
  }
}
