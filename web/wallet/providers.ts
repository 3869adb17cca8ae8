// The wallet providers a person can sign up with. The native API has no public list of providers
// yet, so these are the demo network's (src/network/demo.ts); a deployment with other providers
// changes this list (or, better, the API grows GET /v1/providers and this reads it).
export interface ProviderChoice {
  id: string;
  nameZh: string;
  nameEn: string;
}

export const PROVIDERS: readonly ProviderChoice[] = [
  { id: 'bluepay', nameZh: '蓝付', nameEn: 'BluePay' },
  { id: 'greenpay', nameZh: '绿信支付', nameEn: 'GreenPay' },
];

export function providerName(id: string, locale: 'zh-CN' | 'en'): string {
  const known = PROVIDERS.find((provider) => provider.id === id);
  if (!known) return id;
  return locale === 'zh-CN' ? known.nameZh : known.nameEn;
}
