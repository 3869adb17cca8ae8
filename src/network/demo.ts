// The demo network: two wallet providers (one modelled on Alipay, one on WeChat Pay, with
// generic names and their real fee and limit policies), two banks, and a few people with bank
// accounts, linked cards and balances. `saoma seed demo` and `npm start` on a new database
// make it; the tests start from the same network.
import { residentIdCheckChar } from '../identity/resident-id.js';
import type { Modules } from '../modules.js';
import { defaultProviderPolicy } from './policy.js';
import type { Bank, Provider } from './service.js';

export const DEMO_PROVIDERS: readonly Provider[] = [
  // Alipay's rule: ¥20,000 of withdrawals free for life per identity.
  { id: 'bluepay', name: 'BluePay', nameZh: '蓝付', policy: defaultProviderPolicy(20_000) },
  // WeChat Pay's rule: ¥1,000 free for life per identity.
  { id: 'greenpay', name: 'GreenPay', nameZh: '绿信支付', policy: defaultProviderPolicy(1_000) },
];

export const DEMO_BANKS: readonly Bank[] = [
  { id: 'east-bank', name: 'East River Bank', nameZh: '东江银行', binPrefixes: ['621700', '625900'] },
  { id: 'north-bank', name: 'North Star Bank', nameZh: '北辰银行', binPrefixes: ['622800', '628800'] },
];

/** Creates the providers and banks (idempotent: running it again changes nothing). */
export async function seedNetwork(modules: Pick<Modules, 'network'>): Promise<void> {
  for (const provider of DEMO_PROVIDERS) {
    const created = await modules.network.createProvider(provider);
    if (!created.ok) throw new Error(`demo provider ${provider.id}: ${created.error.message}`);
  }
  for (const bank of DEMO_BANKS) {
    const created = await modules.network.createBank(bank);
    if (!created.ok) throw new Error(`demo bank ${bank.id}: ${created.error.message}`);
  }
}

/** A valid resident ID number (check digit included) for demo people: Beijing, Dongcheng. */
export function demoIdNumber(birthDate: string, sequence: number): string {
  const first17 = `110101${birthDate.replaceAll('-', '')}${String(sequence).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
}
