// The wallet: the session decides between the log-in screens and the app; the hash route picks
// the screen; the bottom tabs stay on the three top-level screens.
import { ConfigProvider, SpinLoading, TabBar } from 'antd-mobile';
import enUS from 'antd-mobile/es/locales/en-US';
import zhCN from 'antd-mobile/es/locales/zh-CN';
import { AppOutline, BillOutline, UserOutline } from 'antd-mobile-icons';
import type { ReactNode } from 'react';
import { LocaleProvider, useLocale } from '../shared/i18n';
import { navigate, useRoute, type Route } from './router';
import { LogInScreen, SignUpScreen } from './screens/auth';
import { CardsScreen, LinkCardScreen } from './screens/cards';
import { HistoryLineScreen, HistoryScreen } from './screens/history';
import { HomeScreen } from './screens/home';
import { MeScreen } from './screens/me';
import { TopUpScreen, WithdrawScreen } from './screens/money-moves';
import { PayCodeScreen } from './screens/pay';
import { PaymentCodeScreen } from './screens/payment-code';
import { RealNameScreen } from './screens/real-name';
import { ReceiveScreen } from './screens/receive';
import { RedPacketScreen } from './screens/red-packet';
import { RedPacketsScreen } from './screens/red-packets';
import { ScanScreen } from './screens/scan';
import { TransferScreen } from './screens/transfer';
import { SessionProvider, useSession } from './session';
import { useText } from './text';

const TABS = [
  { key: '', path: '/', label: 'tab.home', icon: <AppOutline /> },
  { key: 'history', path: '/history', label: 'tab.history', icon: <BillOutline /> },
  { key: 'me', path: '/me', label: 'tab.me', icon: <UserOutline /> },
] as const;

function screenFor({ segments }: Route): ReactNode {
  const [first = '', second] = segments;
  switch (first) {
    case '':
      return <HomeScreen />;
    case 'real-name':
      return <RealNameScreen />;
    case 'scan':
      return <ScanScreen />;
    case 'pay':
      return second ? <PayCodeScreen key={second} code={second} /> : <ScanScreen />;
    case 'paycode':
      return <PaymentCodeScreen />;
    case 'receive':
      return <ReceiveScreen />;
    case 'transfer':
      return <TransferScreen />;
    case 'red-packets':
      return second ? <RedPacketScreen key={second} packetId={second} /> : <RedPacketsScreen />;
    case 'cards':
      return second === 'link' ? <LinkCardScreen /> : <CardsScreen />;
    case 'top-up':
      return <TopUpScreen />;
    case 'withdraw':
      return <WithdrawScreen />;
    case 'history':
      return second ? <HistoryLineScreen key={second} seq={second} /> : <HistoryScreen />;
    case 'me':
      return <MeScreen />;
    default:
      return <HomeScreen />;
  }
}

function Tabs({ active }: { active: string }) {
  const t = useText();
  return (
    <TabBar
      className="tabs"
      activeKey={active}
      onChange={(key) => navigate(TABS.find((tab) => tab.key === key)?.path ?? '/')}
    >
      {TABS.map((tab) => (
        <TabBar.Item key={tab.key} title={t(tab.label)} icon={tab.icon} />
      ))}
    </TabBar>
  );
}

function Screens() {
  const route = useRoute();
  const { state } = useSession();
  if (state.status === 'loading') return <SpinLoading className="center" />;
  const first = route.segments[0] ?? '';
  if (state.status === 'out') return first === 'signup' ? <SignUpScreen /> : <LogInScreen />;
  const onTab = TABS.some((tab) => tab.key === first) && route.segments.length <= 1;
  return (
    <div className={onTab ? 'with-tabs' : undefined}>
      {screenFor(first === 'login' || first === 'signup' ? { ...route, segments: [] } : route)}
      {onTab && <Tabs active={first} />}
    </div>
  );
}

function Localized({ children }: { children: ReactNode }) {
  const { locale } = useLocale();
  return <ConfigProvider locale={locale === 'zh-CN' ? zhCN : enUS}>{children}</ConfigProvider>;
}

export function App() {
  return (
    <LocaleProvider>
      <Localized>
        <SessionProvider>
          <Screens />
        </SessionProvider>
      </Localized>
    </LocaleProvider>
  );
}
