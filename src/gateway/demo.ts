// The demo's protocol credentials: BluePay's demo merchant gets an Alipay app, GreenPay's a
// WeChat Pay merchant number, both with fixed keys and ids (demo-keys.ts), so that an alipay-sdk
// or wechatpay-axios-plugin integration pointed at a demo server works with what
// demo-credentials.json says. Idempotent: registering the same ids and keys again changes nothing.
import { createPublicKey } from 'node:crypto';
import type { Modules } from '../modules.js';
import { DEMO_MERCHANTS, findMerchantId } from '../portal/demo-merchants.js';
import { alipayCredentials, registerAlipayApp, type AlipayCredentials } from './alipay/credentials.js';
import { DEMO_ALIPAY_APP_PRIVATE_KEY_PEM, DEMO_WECHATPAY_MERCHANT_PRIVATE_KEY_PEM } from './demo-keys.js';
import { registerWechatpayMerchant, wechatpayCredentials, type WechatpayCredentials } from './wechatpay/credentials.js';

export const DEMO_ALIPAY_APP_ID = '2021000000000001';
export const DEMO_WECHATPAY = {
  mchid: '1900000001',
  appid: 'wx0000000000000001',
  serialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  apiV3Key: 'SaomaDemoApiV3Key0123456789abcde',
} as const;

/** Which demo merchant speaks which protocol: the Alipay-like provider's and the WeChat-like one's. */
const ALIPAY_PROVIDER = 'bluepay';
const WECHATPAY_PROVIDER = 'greenpay';

export interface DemoGatewayCredentials {
  alipay: AlipayCredentials | null;
  wechatpay: WechatpayCredentials | null;
}

export async function seedDemoGateways(modules: Modules): Promise<void> {
  const alipayMerchant = await demoMerchantId(modules, ALIPAY_PROVIDER);
  if (alipayMerchant) {
    const app = await registerAlipayApp(modules, {
      merchantId: alipayMerchant,
      publicKeyPem: publicPemOf(DEMO_ALIPAY_APP_PRIVATE_KEY_PEM),
      appId: DEMO_ALIPAY_APP_ID,
    });
    if (!app.ok) throw new Error(`demo Alipay app: ${app.error.message}`);
  }
  const wechatpayMerchant = await demoMerchantId(modules, WECHATPAY_PROVIDER);
  if (wechatpayMerchant) {
    const registered = await registerWechatpayMerchant(modules, {
      merchantId: wechatpayMerchant,
      publicKeyPem: publicPemOf(DEMO_WECHATPAY_MERCHANT_PRIVATE_KEY_PEM),
      ...DEMO_WECHATPAY,
    });
    if (!registered.ok) throw new Error(`demo WeChat Pay merchant: ${registered.error.message}`);
  }
}

/** What demo-credentials.json holds as `alipay` and `wechatpay` for a server at `baseUrl` (null where not seeded). */
export async function demoGatewayCredentials(modules: Modules, baseUrl: string): Promise<DemoGatewayCredentials> {
  const alipayApp = await modules.store.db
    .selectFrom('merchant_apps')
    .select('app_id')
    .where('app_id', '=', DEMO_ALIPAY_APP_ID)
    .executeTakeFirst();
  const alipay = alipayApp
    ? await alipayCredentials(modules, {
        baseUrl,
        appId: DEMO_ALIPAY_APP_ID,
        appPrivateKeyPem: DEMO_ALIPAY_APP_PRIVATE_KEY_PEM,
      })
    : null;
  const wechatpay = await wechatpayCredentials(modules, {
    baseUrl,
    mchid: DEMO_WECHATPAY.mchid,
    merchantPrivateKeyPem: DEMO_WECHATPAY_MERCHANT_PRIVATE_KEY_PEM,
    merchantSerial: DEMO_WECHATPAY.serialNo,
  });
  return { alipay, wechatpay: wechatpay.ok ? wechatpay.value : null };
}

async function demoMerchantId(modules: Modules, providerId: string): Promise<string | null> {
  const spec = DEMO_MERCHANTS.find((merchant) => merchant.provider === providerId);
  return spec ? findMerchantId(modules, spec) : null;
}

const publicPemOf = (privateKeyPem: string): string =>
  createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
