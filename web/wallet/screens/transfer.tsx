// Transfers: find the payee by phone and show their masked name before anything is sent (so a
// mistyped number is caught), then the amount and a note, then the PIN.
import { Button, Form, Input, List, Result } from 'antd-mobile';
import { useState } from 'react';
import type { ApiError } from '../../shared/api';
import { newIdempotencyKey } from '../../shared/api';
import { formatFen, parseYuanToFen } from '../../shared/money';
import { walletApi, type Operation, type Payee } from '../api';
import { Page } from '../components/page';
import { usePinSheet } from '../components/pin-sheet';
import { Refusal } from '../components/refusal';
import { navigate } from '../router';
import { useText } from '../text';

const PHONE_PATTERN = /^1[3-9][0-9]{9}$/;

function FindPayee({ onFound }: { onFound(payee: Payee): void }) {
  const t = useText();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const find = async (values: { phone: string }) => {
    setBusy(true);
    setError(null);
    const found = await walletApi.payee(values.phone);
    setBusy(false);
    if (found.ok) onFound(found.value);
    else setError(found.error);
  };
  return (
    <>
      <Form
        layout="horizontal"
        onFinish={find}
        footer={
          <Button block type="submit" color="primary" size="large" loading={busy}>
            {t('common.next')}
          </Button>
        }
      >
        <Form.Item
          name="phone"
          label={t('transfer.phone')}
          rules={[{ required: true, pattern: PHONE_PATTERN, message: t('auth.phoneInvalid') }]}
        >
          <Input type="tel" inputMode="numeric" placeholder="13800000002" clearable />
        </Form.Item>
      </Form>
      <Refusal error={error} />
    </>
  );
}

export function TransferScreen() {
  const t = useText();
  const [payee, setPayee] = useState<Payee | null>(null);
  const [amountText, setAmountText] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<Operation | null>(null);
  const [transferKey, setTransferKey] = useState(newIdempotencyKey);
  const pinSheet = usePinSheet();
  const amountFen = parseYuanToFen(amountText);

  if (done && payee) {
    return (
      <Page title={t('transfer.title')}>
        <Result
          status="success"
          title={
            <span data-testid="transferred">
              {t('transfer.done', { amount: formatFen(done.amount), name: payee.name })}
            </span>
          }
          description={done.id}
        />
        <div className="actions">
          <Button block color="primary" onClick={() => navigate('/', { replace: true })}>
            {t('common.done')}
          </Button>
        </div>
      </Page>
    );
  }
  if (!payee) {
    return (
      <Page title={t('transfer.title')}>
        <FindPayee onFound={setPayee} />
      </Page>
    );
  }
  const send = () =>
    pinSheet.ask(t('transfer.pinPurpose', { amount: formatFen(amountFen!), name: payee.name }), async (pin) => {
      const sent = await walletApi.transfer(transferKey, {
        to_user_id: payee.user_id,
        amount: amountFen!,
        pin,
        ...(note.trim() !== '' && { note: note.trim() }),
      });
      if (sent.ok) {
        setDone(sent.value);
        return null;
      }
      if (sent.error.code !== 'wrong_pin') setError(sent.error);
      return sent.error;
    });
  const changed = () => setTransferKey(newIdempotencyKey());

  return (
    <Page title={t('transfer.title')}>
      <div className="payee">
        <div className="payee-avatar" aria-hidden>
          {payee.name.slice(-1)}
        </div>
        <div className="payee-name" data-testid="payee-name">
          {payee.name}
        </div>
        <div className="payee-store">{payee.phone}</div>
      </div>
      <List>
        <List.Item title={t('pay.amount')}>
          <div className="amount-input">
            <span>¥</span>
            <Input
              value={amountText}
              onChange={(value) => {
                setAmountText(value);
                changed();
              }}
              inputMode="decimal"
              placeholder="0.00"
              aria-label={t('pay.amount')}
            />
          </div>
        </List.Item>
        <List.Item title={t('pay.note')}>
          <Input
            value={note}
            onChange={(value) => {
              setNote(value);
              changed();
            }}
            maxLength={100}
          />
        </List.Item>
      </List>
      <Refusal error={error} />
      <div className="actions">
        <Button block color="primary" size="large" disabled={amountFen === null} onClick={send}>
          {t('transfer.send')}
        </Button>
        <Button block fill="none" onClick={() => setPayee(null)}>
          {t('transfer.otherPayee')}
        </Button>
      </div>
      {pinSheet.sheet}
    </Page>
  );
}
