// Home: the balance, the three big actions (scan, pay, receive) and shortcuts to everything else,
// with a banner when the account is frozen or not yet verified.
import { Grid, NoticeBar, PullToRefresh } from 'antd-mobile';
import {
  AddCircleOutline,
  BankcardOutline,
  BillOutline,
  MailOpenOutline,
  MinusCircleOutline,
  PayCircleOutline,
  ReceivePaymentOutline,
  ScanningOutline,
  SendOutline,
  UserOutline,
} from 'antd-mobile-icons';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { ApiError } from '../../shared/api';
import { LanguageSwitch, useLocale } from '../../shared/i18n';
import { formatFen } from '../../shared/money';
import { walletApi, type Balance } from '../api';
import { Refusal } from '../components/refusal';
import { providerName, useProviders } from '../providers';
import { navigate } from '../router';
import { useMe } from '../session';
import { useText, type TextKey } from '../text';

const BIG_ACTIONS: { path: string; icon: ReactNode; label: TextKey }[] = [
  { path: '/scan', icon: <ScanningOutline />, label: 'home.scan' },
  { path: '/paycode', icon: <PayCircleOutline />, label: 'home.pay' },
  { path: '/receive', icon: <ReceivePaymentOutline />, label: 'home.receive' },
];

const SHORTCUTS: { path: string; icon: ReactNode; label: TextKey }[] = [
  { path: '/transfer', icon: <SendOutline />, label: 'home.transfer' },
  { path: '/red-packets', icon: <MailOpenOutline />, label: 'home.redPackets' },
  { path: '/cards', icon: <BankcardOutline />, label: 'home.cards' },
  { path: '/top-up', icon: <AddCircleOutline />, label: 'home.topUp' },
  { path: '/withdraw', icon: <MinusCircleOutline />, label: 'home.withdraw' },
  { path: '/history', icon: <BillOutline />, label: 'home.history' },
  { path: '/me', icon: <UserOutline />, label: 'home.me' },
];

export function useBalance() {
  const [balance, setBalance] = useState<Balance | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = useCallback(async () => {
    const read = await walletApi.balance();
    if (read.ok) setBalance(read.value);
    else setError(read.error);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  return { balance, error, reload: load };
}

export function HomeScreen() {
  const t = useText();
  const me = useMe();
  const { locale } = useLocale();
  const providers = useProviders();
  const { balance, error, reload } = useBalance();
  return (
    <PullToRefresh onRefresh={reload}>
      <div className="home">
        <header className="home-head">
          <div className="home-who">
            <span>{me.real_name ?? me.phone}</span>
            <span className="home-provider">
              {providerName(providers, me.provider, locale)} · {t(`tier.${me.tier}`)}
            </span>
            <LanguageSwitch />
          </div>
          <div className="home-actions">
            {BIG_ACTIONS.map((action) => (
              <button key={action.path} type="button" className="home-action" onClick={() => navigate(action.path)}>
                <span className="home-action-icon" aria-hidden>
                  {action.icon}
                </span>
                {t(action.label)}
              </button>
            ))}
          </div>
        </header>
        {me.status === 'frozen' && <NoticeBar color="error" content={t('home.frozen')} wrap />}
        {me.tier === 1 && (
          <NoticeBar color="info" content={t('home.verifyBanner')} onClick={() => navigate('/real-name')} wrap />
        )}
        <section className="balance-card" aria-label={t('home.balance')}>
          <div className="balance-label">{t('home.balance')}</div>
          <div className="balance-amount saoma-amount" data-testid="balance">
            {balance ? formatFen(balance.available) : '—'}
          </div>
          <Refusal error={error} />
        </section>
        <Grid columns={4} gap={8} className="shortcuts">
          {SHORTCUTS.map((shortcut) => (
            <Grid.Item key={shortcut.path} onClick={() => navigate(shortcut.path)} className="shortcut">
              <span className="shortcut-icon" aria-hidden>
                {shortcut.icon}
              </span>
              <span>{t(shortcut.label)}</span>
            </Grid.Item>
          ))}
        </Grid>
      </div>
    </PullToRefresh>
  );
}
