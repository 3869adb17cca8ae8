// The portal's frame: who is logged in (GET /v1/portal/me; a 401 anywhere shows the log-in), the
// side navigation, and the screen the hash route names.
import { useCallback, useEffect, useState } from 'react';
import { LanguageSwitch, LocaleProvider, useLocale } from '../shared/i18n';
import { api, PORTAL, whenUnauthorized, type Me } from './api';
import { navigate, useRoute } from './components/common';
import { CredentialsScreen } from './screens/credentials';
import { DashboardScreen } from './screens/dashboard';
import { LoginScreen } from './screens/login';
import { OrderDetailScreen } from './screens/order-detail';
import { OrdersScreen } from './screens/orders';
import { SettlementsScreen } from './screens/settlements';
import { StoresScreen } from './screens/stores';
import { WebhooksScreen } from './screens/webhooks';
import { useText, type TextKey } from './text';

const NAVIGATION: readonly { path: string; label: TextKey }[] = [
  { path: 'dashboard', label: 'navDashboard' },
  { path: 'orders', label: 'navOrders' },
  { path: 'stores', label: 'navStores' },
  { path: 'settlements', label: 'navSettlements' },
  { path: 'credentials', label: 'navCredentials' },
  { path: 'webhooks', label: 'navWebhooks' },
];

export function App() {
  return (
    <LocaleProvider>
      <Portal />
    </LocaleProvider>
  );
}

function Portal() {
  const [me, setMe] = useState<Me | null | 'checking'>('checking');
  const refresh = useCallback(async () => {
    const answered = await api.get<Me>(`${PORTAL}/me`);
    setMe(answered.ok ? answered.value : null);
  }, []);
  useEffect(() => {
    whenUnauthorized(() => setMe(null));
    void refresh();
  }, [refresh]);
  const { locale } = useLocale();
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  if (me === 'checking') return null;
  if (me === null) return <LoginScreen onLoggedIn={() => void refresh()} />;
  return <Shell me={me} onLoggedOut={() => setMe(null)} />;
}

function Shell({ me, onLoggedOut }: { me: Me; onLoggedOut(): void }) {
  const t = useText();
  const { locale } = useLocale();
  const route = useRoute();
  const [section = 'dashboard', id] = route.segments;
  const logOut = async () => {
    await api.delete(`${PORTAL}/sessions/current`);
    navigate('/dashboard');
    onLoggedOut();
  };
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark">扫</span>
          <span>{t('appName')}</span>
        </div>
        <div className="merchant-card">
          <strong>{me.merchant.name}</strong>
          <span>
            {locale === 'zh-CN' ? me.merchant.provider_name_zh : me.merchant.provider_name} · {me.merchant.id}
          </span>
        </div>
        <nav>
          {NAVIGATION.map((item) => (
            <a key={item.path} href={`#/${item.path}`} className={section === item.path ? 'active' : undefined}>
              {t(item.label)}
            </a>
          ))}
        </nav>
        <div className="sidebar-foot">
          <span className="who">{me.user.name}</span>
          <LanguageSwitch />
          <button type="button" className="link-button" onClick={() => void logOut()}>
            {t('logout')}
          </button>
        </div>
      </aside>
      <main className="content">
        {section === 'orders' && id !== undefined ? (
          <OrderDetailScreen orderId={id} />
        ) : section === 'orders' ? (
          <OrdersScreen />
        ) : section === 'stores' ? (
          <StoresScreen />
        ) : section === 'settlements' ? (
          <SettlementsScreen delayDays={me.merchant.settlement_delay_days} />
        ) : section === 'credentials' ? (
          <CredentialsScreen />
        ) : section === 'webhooks' ? (
          <WebhooksScreen />
        ) : (
          <DashboardScreen />
        )}
      </main>
    </div>
  );
}
