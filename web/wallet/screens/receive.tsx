// Receive: the person's own collection code (POST /v1/me/receive-code, the same code every time).
// Another wallet scans it, types the amount and pays with the PIN; a monthly cap applies.
import { SpinLoading } from 'antd-mobile';
import { useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { walletApi, type ReceiveCode } from '../api';
import { QrImage } from '../components/codes';
import { Page } from '../components/page';
import { Refusal } from '../components/refusal';
import { useMe } from '../session';
import { useText } from '../text';

export function ReceiveScreen() {
  const t = useText();
  const me = useMe();
  const [receiveCode, setReceiveCode] = useState<ReceiveCode | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    void walletApi.receiveCode().then((made) => (made.ok ? setReceiveCode(made.value) : setError(made.error)));
  }, []);
  return (
    <Page title={t('receive.title')} tone="red">
      <div className="paycode-card">
        <p className="paycode-hint">{t('receive.hint')}</p>
        {receiveCode ? (
          <QrImage text={receiveCode.code_url} sizePixels={240} label={t('receive.qr')} />
        ) : error ? (
          <Refusal error={error} />
        ) : (
          <SpinLoading className="center" />
        )}
        <div className="receive-name">{me.real_name ? `*${me.real_name.slice(1)}` : me.phone}</div>
        <p className="paycode-meta">{t('receive.cap')}</p>
      </div>
    </Page>
  );
}
