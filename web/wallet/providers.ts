// The wallet providers of this network, as the server lists them (GET /v1/providers): read once
// per page load and shared by every screen that names one. Until the list arrives a provider is
// shown by its id.
import { useEffect, useState } from 'react';
import { walletApi, type Provider } from './api';

let loaded: Provider[] | null = null;
let loading: Promise<Provider[]> | null = null;

function loadProviders(): Promise<Provider[]> {
  loading ??= walletApi.providers().then((answer) => {
    if (!answer.ok) {
      loading = null; // asked again by the next screen that needs it
      return [];
    }
    loaded = answer.value.providers;
    return loaded;
  });
  return loading;
}

/** The providers (empty until they have been read). */
export function useProviders(): Provider[] {
  const [providers, setProviders] = useState<Provider[]>(loaded ?? []);
  useEffect(() => {
    if (loaded) return;
    let current = true;
    void loadProviders().then((list) => current && setProviders(list));
    return () => {
      current = false;
    };
  }, []);
  return providers;
}

export function providerName(providers: readonly Provider[], id: string, locale: 'zh-CN' | 'en'): string {
  const known = providers.find((provider) => provider.id === id);
  if (!known) return id;
  return locale === 'zh-CN' ? known.name_zh : known.name;
}
