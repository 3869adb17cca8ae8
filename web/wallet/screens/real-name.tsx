// The real-name step: name and resident ID number raise a class I wallet to class II; linking a
// debit card in one's own name afterwards reaches class III.
import { Button, Form, Input, Result, Steps } from 'antd-mobile';
import { useState } from 'react';
import type { ApiError } from '../../shared/api';
import { walletApi } from '../api';
import { Page } from '../components/page';
import { Refusal } from '../components/refusal';
import { navigate } from '../router';
import { useMe, useSession } from '../session';
import { useText } from '../text';

const ID_NUMBER_PATTERN = /^[0-9]{17}[0-9Xx]$/;

function TierSteps({ tier }: { tier: number }) {
  const t = useText();
  return (
    <Steps current={tier - 1} className="tier-steps">
      <Steps.Step title={t('tier.1')} description={t('realName.step1')} />
      <Steps.Step title={t('tier.2')} description={t('realName.step2')} />
      <Steps.Step title={t('tier.3')} description={t('realName.step3')} />
    </Steps>
  );
}

export function RealNameScreen() {
  const t = useText();
  const me = useMe();
  const session = useSession();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (values: { name: string; idNumber: string }) => {
    setBusy(true);
    setError(null);
    const verified = await walletApi.verifyRealName({ name: values.name, id_number: values.idNumber.toUpperCase() });
    setBusy(false);
    if (!verified.ok) return setError(verified.error);
    session.signedIn(verified.value);
  };

  return (
    <Page title={t('realName.title')}>
      <TierSteps tier={me.tier} />
      {me.tier >= 2 ? (
        <Result
          status="success"
          title={t('realName.done', { name: me.real_name ?? '' })}
          description={me.tier === 2 ? t('realName.linkCardNext') : t('realName.allDone')}
        />
      ) : (
        <Form
          layout="horizontal"
          onFinish={submit}
          footer={
            <Button block type="submit" color="primary" size="large" loading={busy}>
              {t('realName.submit')}
            </Button>
          }
        >
          <Form.Header>{t('realName.why')}</Form.Header>
          <Form.Item name="name" label={t('realName.name')} rules={[{ required: true }]}>
            <Input autoComplete="name" />
          </Form.Item>
          <Form.Item
            name="idNumber"
            label={t('realName.idNumber')}
            rules={[{ required: true, pattern: ID_NUMBER_PATTERN, message: t('realName.idInvalid') }]}
          >
            <Input maxLength={18} placeholder="110101199003070012" />
          </Form.Item>
        </Form>
      )}
      <Refusal error={error} />
      <div className="actions">
        {me.tier === 2 && (
          <Button block color="primary" onClick={() => navigate('/cards/link')}>
            {t('cards.link')}
          </Button>
        )}
        <Button block fill="none" onClick={() => navigate('/', { replace: true })}>
          {me.tier === 1 ? t('realName.later') : t('common.home')}
        </Button>
      </div>
    </Page>
  );
}
