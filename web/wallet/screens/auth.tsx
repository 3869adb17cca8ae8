// Sign-up (phone, password, provider, then the payment PIN) and log-in. The server answers with
// an HTTP-only session cookie; the profile it returns becomes the session's.
import { Button, Form, Input, Selector, SpinLoading } from 'antd-mobile';
import { useState } from 'react';
import type { ApiError } from '../../shared/api';
import { LanguageSwitch, useLocale } from '../../shared/i18n';
import { walletApi } from '../api';
import { Refusal } from '../components/refusal';
import { useProviders } from '../providers';
import { navigate } from '../router';
import { useSession } from '../session';
import { useText } from '../text';

const PHONE_PATTERN = /^1[3-9][0-9]{9}$/;
const PIN_PATTERN = /^[0-9]{6}$/;
const PASSWORD_LENGTH_MIN = 8;

function useProviderOptions() {
  const { locale } = useLocale();
  return useProviders().map((provider) => ({
    label: locale === 'zh-CN' ? provider.name_zh : provider.name,
    value: provider.id,
  }));
}

function AuthFrame(props: { children: React.ReactNode }) {
  const t = useText();
  return (
    <div className="auth">
      <header className="auth-head">
        <LanguageSwitch />
        <div className="auth-logo" aria-hidden>
          扫
        </div>
        <h1>{t('app.name')}</h1>
        <p>{t('auth.tagline')}</p>
      </header>
      {props.children}
    </div>
  );
}

interface SignUpValues {
  provider: string[];
  phone: string;
  password: string;
  pin: string;
  pinAgain: string;
}

export function SignUpScreen() {
  const t = useText();
  const session = useSession();
  const providers = useProviderOptions();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (values: SignUpValues) => {
    setBusy(true);
    setError(null);
    const signed = await walletApi.signUp({
      provider: values.provider[0]!,
      phone: values.phone,
      password: values.password,
      device_name: navigator.userAgent.slice(0, 100),
    });
    if (!signed.ok) {
      setBusy(false);
      return setError(signed.error);
    }
    // The PIN is separate from the password; the password confirms setting it.
    const pin = await walletApi.setPin({ password: values.password, pin: values.pin });
    setBusy(false);
    if (!pin.ok) setError(pin.error);
    session.signedIn({ ...signed.value.user, pin_set: pin.ok });
    navigate('/real-name', { replace: true });
  };

  // The form starts with the first provider chosen, so it waits for the list.
  if (providers.length === 0) {
    return (
      <AuthFrame>
        <SpinLoading className="center" />
      </AuthFrame>
    );
  }
  return (
    <AuthFrame>
      <Form
        layout="horizontal"
        initialValues={{ provider: [providers[0]!.value] }}
        onFinish={submit}
        footer={
          <Button block type="submit" color="primary" size="large" loading={busy}>
            {t('auth.signUp')}
          </Button>
        }
      >
        <Form.Item name="provider" label={t('auth.provider')} rules={[{ required: true }]}>
          <Selector options={providers} />
        </Form.Item>
        <Form.Item
          name="phone"
          label={t('auth.phone')}
          rules={[{ required: true, pattern: PHONE_PATTERN, message: t('auth.phoneInvalid') }]}
        >
          <Input type="tel" inputMode="numeric" placeholder="13800000000" autoComplete="tel" clearable />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('auth.password')}
          rules={[{ required: true, min: PASSWORD_LENGTH_MIN, message: t('auth.passwordShort') }]}
        >
          <Input type="password" autoComplete="new-password" placeholder={t('auth.passwordHint')} />
        </Form.Item>
        <Form.Item
          name="pin"
          label={t('auth.pin')}
          rules={[{ required: true, pattern: PIN_PATTERN, message: t('auth.pinInvalid') }]}
        >
          <Input type="password" inputMode="numeric" maxLength={6} placeholder={t('auth.pinHint')} />
        </Form.Item>
        <Form.Item
          name="pinAgain"
          label={t('auth.pinAgain')}
          dependencies={['pin']}
          rules={[
            { required: true, message: t('auth.pinMismatch') },
            ({ getFieldValue }) => ({
              validator: (_rule, value) =>
                value === getFieldValue('pin') ? Promise.resolve() : Promise.reject(new Error(t('auth.pinMismatch'))),
            }),
          ]}
        >
          <Input type="password" inputMode="numeric" maxLength={6} />
        </Form.Item>
      </Form>
      <Refusal error={error} />
      <p className="auth-switch">
        {t('auth.haveAccount')} <a href="#/login">{t('auth.logIn')}</a>
      </p>
    </AuthFrame>
  );
}

interface LogInValues {
  phone: string;
  password: string;
  provider?: string[];
}

export function LogInScreen() {
  const t = useText();
  const session = useSession();
  const providers = useProviderOptions();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // Asked only when the phone has a wallet at more than one provider (the server says so).
  const [needsProvider, setNeedsProvider] = useState(false);

  const submit = async (values: LogInValues) => {
    setBusy(true);
    setError(null);
    const logged = await walletApi.logIn({
      phone: values.phone,
      password: values.password,
      provider: values.provider?.[0],
      device_name: navigator.userAgent.slice(0, 100),
    });
    setBusy(false);
    if (!logged.ok) {
      if (logged.error.code === 'provider_required') setNeedsProvider(true);
      return setError(logged.error);
    }
    session.signedIn(logged.value.user);
    // Opened on a link (a red packet): stay there; else home.
    if (/^#?\/?(login|signup)?$/.test(window.location.hash.split('?')[0] ?? '')) navigate('/', { replace: true });
  };

  return (
    <AuthFrame>
      <Form
        layout="horizontal"
        onFinish={submit}
        footer={
          <Button block type="submit" color="primary" size="large" loading={busy}>
            {t('auth.logIn')}
          </Button>
        }
      >
        <Form.Item
          name="phone"
          label={t('auth.phone')}
          rules={[{ required: true, pattern: PHONE_PATTERN, message: t('auth.phoneInvalid') }]}
        >
          <Input type="tel" inputMode="numeric" placeholder="13800000000" autoComplete="username" clearable />
        </Form.Item>
        <Form.Item name="password" label={t('auth.password')} rules={[{ required: true }]}>
          <Input type="password" autoComplete="current-password" />
        </Form.Item>
        {needsProvider && (
          <Form.Item name="provider" label={t('auth.provider')} rules={[{ required: true }]}>
            <Selector options={providers} />
          </Form.Item>
        )}
      </Form>
      <Refusal error={error} />
      <p className="auth-switch">
        {t('auth.noAccount')} <a href="#/signup">{t('auth.signUp')}</a>
      </p>
    </AuthFrame>
  );
}
