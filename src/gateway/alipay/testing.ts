// Test support for the Alipay gateway: a merchant with an Alipay app on the harness's server,
// listening on a loopback port, an alipay-sdk client configured as a merchant would configure it,
// and a notification receiver (a real HTTP server) that verifies what it gets with the SDK.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk, type AlipaySdkCommonResult } from 'alipay-sdk';
import type { Merchant } from '../../merchant/service.js';
import type { WalletHarness } from '../../testing/wallet-app.js';
import { alipayCredentials, generateAlipayAppKeys, registerAlipayApp, type AlipayCredentials } from './credentials.js';

export interface AlipayShop {
  merchant: Merchant;
  bankAccountId: string;
  credentials: AlipayCredentials;
  baseUrl: string;
  sdk: AlipaySdk;
  /** exec with validateSign: true, biz_content from `biz`, other parameters (notify_url …) from `extra`. */
  exec(method: string, biz: Record<string, unknown>, extra?: Record<string, unknown>): Promise<AlipaySdkCommonResult>;
}

let shopCounter = 0;

export async function openAlipayShop(h: WalletHarness, options: { provider?: string } = {}): Promise<AlipayShop> {
  shopCounter += 1;
  const bank = await h.modules.banking.openAccount({
    bankId: 'east-bank',
    kind: 'debit',
    holderName: '老王水果店',
    phone: `137${String(process.pid % 10_000).padStart(4, '0')}${String(shopCounter).padStart(4, '0')}`,
    amountFen: 1_000_000n,
  });
  assert.ok(bank.ok, bank.ok ? '' : bank.error.message);
  const created = await h.modules.merchants.create({
    providerId: options.provider ?? 'bluepay',
    kind: 'business',
    name: '老王水果店',
    mcc: '5411',
    settlementBankAccountId: bank.value.id,
  });
  assert.ok(created.ok, created.ok ? '' : created.error.message);
  const keys = generateAlipayAppKeys();
  const app = await registerAlipayApp(h.modules, { merchantId: created.value.id, publicKeyPem: keys.publicKeyPem });
  assert.ok(app.ok, app.ok ? '' : app.error.message);
  const baseUrl = await listening(h);
  const credentials = await alipayCredentials(h.modules, {
    baseUrl,
    appId: app.value.appId,
    appPrivateKeyPem: keys.privateKeyPem,
  });
  const sdk = sdkFor(credentials);
  return {
    merchant: created.value,
    bankAccountId: bank.value.id,
    credentials,
    baseUrl,
    sdk,
    exec: (method, biz, extra = {}) => sdk.exec(method, { bizContent: biz, ...extra }, { validateSign: true }),
  };
}

/** The SDK as a merchant configures it from the credentials (overrides: another key, another app). */
export function sdkFor(credentials: AlipayCredentials, overrides: { appId?: string; privateKey?: string } = {}) {
  return new AlipaySdk({
    appId: overrides.appId ?? credentials.appId,
    privateKey: overrides.privateKey ?? credentials.appPrivateKeyPem,
    keyType: 'PKCS8',
    alipayPublicKey: credentials.platformPublicKeyPem,
    gateway: credentials.gateway,
    endpoint: credentials.endpoint,
    signType: 'RSA2',
    timeout: 15_000,
  });
}

/** The harness's app listening on a loopback port (once), as `http://127.0.0.1:PORT`. */
async function listening(h: WalletHarness): Promise<string> {
  const address = h.app.server.address();
  if (address === null) await h.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
}

export interface Received {
  fields: Record<string, string>;
  verified: boolean;
  answeredWith: string;
}

export interface NotificationReceiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A merchant's notify_url: answers `answer(n)` to the n-th notification (0-based), verifying each with the SDK. */
export async function startReceiver(
  sdk: AlipaySdk,
  answer: (index: number) => string = () => 'success',
): Promise<NotificationReceiver> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const answeredWith = answer(received.length);
      received.push({ fields, verified: sdk.checkNotifySignV2(fields), answeredWith });
      response.writeHead(200, { 'content-type': 'text/plain' }).end(answeredWith);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alipay/notify?shop=1`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
