// `saoma merchant app create`: registers a merchant's own public key as an API app — for Saoma's
// native API, as an Alipay app, or as a WeChat Pay merchant certificate — straight in the
// database (like `saoma seed demo`), and prints what the merchant's integration needs to talk to
// this server. The private key never leaves the merchant: only its public half is read.
import { readFileSync } from 'node:fs';
import { registerApp } from '../api/admin-network.js';
import { alipayCredentials, registerAlipayApp } from '../gateway/alipay/credentials.js';
import { registerWechatpayMerchant, wechatpayCredentials } from '../gateway/wechatpay/credentials.js';
import { createLedgerService } from '../ledger/service.js';
import { createModules, type Modules } from '../modules.js';
import { platformPublicKeyPem } from '../notify/platform-key.js';
import { systemClock } from '../shared/clock.js';
import type { SaomaConfig } from '../shared/config.js';
import { createFieldCipher } from '../shared/field-cipher.js';
import { resolveFieldKey } from '../shared/field-key.js';
import { ok, problem, type Result } from '../shared/result.js';
import { migrate } from '../store/migrations.js';
import type { Store } from '../store/store.js';

export const APP_PROTOCOLS = ['saoma', 'alipay', 'wechatpay'] as const;
export type AppProtocol = (typeof APP_PROTOCOLS)[number];

export interface AppCreateFlags {
  merchant?: string;
  publicKey?: string;
  protocol?: string;
  webhookUrl?: string;
  server: string;
}

export interface AppCreateOptions {
  merchantId: string;
  publicKeyPem: string;
  protocol: AppProtocol;
  webhookUrl?: string;
  server: string;
}

/** The flags checked before anything is opened: a usage error says what to pass. */
export function parseAppCreateFlags(flags: AppCreateFlags): Result<AppCreateOptions, 'usage'> {
  if (!flags.merchant) return problem('usage', 'pass --merchant ID (the merchant the app belongs to)');
  if (!flags.publicKey)
    return problem('usage', 'pass --public-key FILE (an SPKI PEM public key; keep the private key)');
  const protocol = (flags.protocol ?? 'saoma') as AppProtocol;
  if (!APP_PROTOCOLS.includes(protocol)) {
    return problem('usage', `--protocol is one of ${APP_PROTOCOLS.join(', ')}, not ${JSON.stringify(flags.protocol)}`);
  }
  if (protocol === 'wechatpay' && flags.webhookUrl !== undefined) {
    return problem('usage', 'WeChat Pay sends each notification to its order’s notify_url: --webhook-url is not used');
  }
  let publicKeyPem: string;
  try {
    publicKeyPem = readFileSync(flags.publicKey, 'utf8');
  } catch (error) {
    return problem(
      'usage',
      `cannot read ${flags.publicKey}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return ok({
    merchantId: flags.merchant,
    publicKeyPem,
    protocol,
    server: flags.server.replace(/\/+$/, ''),
    ...(flags.webhookUrl === undefined ? {} : { webhookUrl: flags.webhookUrl }),
  });
}

/** Registers the app and returns what to print (JSON): ids, URLs and the platform's public key. */
export async function createMerchantApp(
  store: Store,
  config: SaomaConfig,
  options: AppCreateOptions,
): Promise<Result<Record<string, unknown>, string>> {
  await migrate(store, BigInt(systemClock.nowMs()));
  const ledger = createLedgerService({ store, clock: systemClock, writer: { batchMax: config.batchMax } });
  try {
    const cipher = createFieldCipher(resolveFieldKey(config.databaseUrl, config.fieldKey));
    const modules = await createModules({ store, ledger, clock: systemClock, cipher });
    return await register(modules, options);
  } finally {
    await ledger.close();
  }
}

async function register(modules: Modules, options: AppCreateOptions): Promise<Result<Record<string, unknown>, string>> {
  const { merchantId, publicKeyPem, server } = options;
  switch (options.protocol) {
    case 'saoma': {
      const app = await registerApp(modules, merchantId, publicKeyPem, options.webhookUrl);
      if (!app.ok) return app;
      const webhookKey = await platformPublicKeyPem(modules.store, modules.clock);
      return ok({ protocol: 'saoma', server, appId: app.value, webhookPublicKeyPem: webhookKey });
    }
    case 'alipay': {
      const app = await registerAlipayApp(modules, {
        merchantId,
        publicKeyPem,
        ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }),
      });
      if (!app.ok) return app;
      const { appPrivateKeyPem: _none, ...credentials } = await alipayCredentials(modules, {
        baseUrl: server,
        appId: app.value.appId,
        appPrivateKeyPem: '',
      });
      return ok({ protocol: 'alipay', ...credentials });
    }
    case 'wechatpay': {
      const registered = await registerWechatpayMerchant(modules, { merchantId, publicKeyPem });
      if (!registered.ok) return registered;
      const credentials = await wechatpayCredentials(modules, {
        baseUrl: server,
        mchid: registered.value.mchid,
        merchantPrivateKeyPem: '',
        merchantSerial: registered.value.merchantSerial,
      });
      if (!credentials.ok) return credentials;
      const { merchantPrivateKeyPem: _none, ...shown } = credentials.value;
      return ok({ protocol: 'wechatpay', ...shown });
    }
  }
}
