// Me: the profile (masked), the class and its allowance, the free withdrawal quota, the PIN, the
// language, and logging out.
import { Button, Dialog, Form, Input, List } from 'antd-mobile';
import { useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { LanguageSwitch, useLocale } from '../../shared/i18n';
import { formatFen } from '../../shared/money';
import { walletApi, type Limits } from '../api';
import { Page } from '../components/page';
import { Refusal } from '../components/refusal';
import { providerName, useProviders } from '../providers';
import { navigate } from '../router';
import { useMe, useSession } from '../session';
import { useText } from '../text';

function SetPin({ onDone }: { onDone(): void }) {
  const t = useText();
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (values: { password: string; pin: string }) => {
    const set = await walletApi.setPin(values);
    if (!set.ok) return setError(set.error);
    onDone();
  };
  return (
    <Form
      layout="horizontal"
      onFinish={submit}
      footer={
        <Button block type="submit" color="primary">
          {t('me.setPin')}
        </Button>
      }
    >
      <Form.Item name="password" label={t('auth.password')} rules={[{ required: true }]}>
        <Input type="password" />
      </Form.Item>
      <Form.Item
        name="pin"
        label={t('auth.pin')}
        rules={[{ required: true, pattern: /^[0-9]{6}$/, message: t('auth.pinInvalid') }]}
      >
        <Input type="password" inputMode="numeric" maxLength={6} />
      </Form.Item>
      <Refusal error={error} />
    </Form>
  );
}

export function MeScreen() {
  const t = useText();
  const me = useMe();
  const session = useSession();
  const { locale } = useLocale();
  const providers = useProviders();
  const [limits, setLimits] = useState<Limits | null>(null);
  const [settingPin, setSettingPin] = useState(false);
  useEffect(() => {
    void walletApi.limits().then((read) => read.ok && setLimits(read.value));
  }, []);
  const logOut = async () => {
    if (!(await Dialog.confirm({ content: t('me.logOutConfirm') }))) return;
    await session.signOut();
    navigate('/login', { replace: true });
  };
  return (
    <Page title={t('home.me')} right={<LanguageSwitch />}>
      <List header={t('me.profile')}>
        <List.Item extra={me.phone}>{t('auth.phone')}</List.Item>
        <List.Item extra={providerName(providers, me.provider, locale)}>{t('auth.provider')}</List.Item>
        <List.Item extra={t(`tier.${me.tier}`)} onClick={me.tier < 3 ? () => navigate('/real-name') : undefined}>
          {t('me.tier')}
        </List.Item>
        {me.real_name && <List.Item extra={me.real_name}>{t('realName.name')}</List.Item>}
        {me.id_number && <List.Item extra={me.id_number}>{t('realName.idNumber')}</List.Item>}
        <List.Item extra={me.status === 'frozen' ? t('me.frozen') : t('me.active')}>{t('me.status')}</List.Item>
        <List.Item extra={me.pin_set ? t('me.pinSet') : t('me.pinNotSet')} onClick={() => setSettingPin(true)}>
          {t('auth.pin')}
        </List.Item>
      </List>
      {settingPin && (
        <SetPin
          onDone={() => {
            setSettingPin(false);
            void session.refresh();
          }}
        />
      )}
      {limits && (
        <List header={t('me.limits')}>
          <List.Item
            extra={`${formatFen(limits.allowance.left)} / ${formatFen(limits.allowance.limit)}`}
            description={limits.how_to_raise ?? undefined}
          >
            {t('me.allowance', { period: limits.allowance.period })}
          </List.Item>
          <List.Item
            extra={`${formatFen(limits.withdrawal.free_quota_left)} / ${formatFen(limits.withdrawal.free_quota)}`}
          >
            {t('money.freeQuota')}
          </List.Item>
          <List.Item
            extra={`${(limits.withdrawal.fee_rate_bps / 100).toFixed(2)}% ≥ ${formatFen(limits.withdrawal.fee_min)}`}
          >
            {t('money.fee')}
          </List.Item>
        </List>
      )}
      <div className="actions">
        <Button block color="danger" fill="outline" onClick={() => void logOut()}>
          {t('me.logOut')}
        </Button>
      </div>
    </Page>
  );
}
