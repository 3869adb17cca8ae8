// Red packets: send one — to one person (single), or a group packet of random (lucky) or equal
// shares — then share its link or QR; or open one from a link or its id.
import { Button, Form, Input, Segmented, Stepper } from 'antd-mobile';
import { useState } from 'react';
import type { ApiError } from '../../shared/api';
import { newIdempotencyKey } from '../../shared/api';
import { formatFen, parseYuanToFen } from '../../shared/money';
import { walletApi, type RedPacketKind } from '../api';
import { Page, Section } from '../components/page';
import { usePinSheet } from '../components/pin-sheet';
import { Refusal } from '../components/refusal';
import { navigate } from '../router';
import { useText } from '../text';

const PACKET_ID = /(rp_[A-Za-z0-9_-]+)/;
/** The provider's policy caps a group packet at 100 shares; the server says so if it is lower. */
const SHARES_MAX = 100;

interface SendValues {
  amount: string;
  count: number;
  toPhone?: string;
  note?: string;
}

function OpenByLink() {
  const t = useText();
  const [text, setText] = useState('');
  const id = PACKET_ID.exec(text)?.[1];
  return (
    <Section title={t('redPacket.openTitle')}>
      <div className="scan-typed">
        <Input value={text} onChange={setText} placeholder={t('redPacket.openHint')} clearable />
        <Button
          color="danger"
          fill="outline"
          disabled={!id}
          onClick={() => (id ? navigate(`/red-packets/${id}`) : undefined)}
        >
          {t('redPacket.open')}
        </Button>
      </div>
    </Section>
  );
}

export function RedPacketsScreen() {
  const t = useText();
  const [kind, setKind] = useState<RedPacketKind>('lucky');
  const [error, setError] = useState<ApiError | null>(null);
  const pinSheet = usePinSheet();
  const [form] = Form.useForm<SendValues>();

  const send = (values: SendValues) => {
    const amountFen = parseYuanToFen(values.amount);
    if (amountFen === null) return;
    const count = kind === 'single' ? 1 : values.count;
    const key = newIdempotencyKey();
    setError(null);
    pinSheet.ask(t('redPacket.pinPurpose', { amount: formatFen(amountFen), count }), async (pin) => {
      const sent = await walletApi.sendRedPacket(key, {
        kind,
        amount: amountFen,
        count,
        pin,
        ...(kind === 'single' && { to_phone: values.toPhone }),
        ...(values.note?.trim() && { note: values.note.trim() }),
      });
      if (sent.ok) {
        navigate(`/red-packets/${sent.value.id}`, { replace: true });
        return null;
      }
      if (sent.error.code !== 'wrong_pin') setError(sent.error);
      return sent.error;
    });
  };

  return (
    <Page title={t('redPacket.title')} tone="red">
      <Segmented
        block
        className="packet-kinds"
        value={kind}
        onChange={(value) => setKind(value as RedPacketKind)}
        options={[
          { label: t('redPacket.kind.lucky'), value: 'lucky' },
          { label: t('redPacket.kind.equal'), value: 'equal' },
          { label: t('redPacket.kind.single'), value: 'single' },
        ]}
      />
      <Form
        form={form}
        layout="horizontal"
        initialValues={{ count: 3, note: t('redPacket.defaultNote') }}
        onFinish={send}
        footer={
          <Button block type="submit" color="danger" size="large">
            {t('redPacket.send')}
          </Button>
        }
      >
        <Form.Item
          name="amount"
          label={t('redPacket.total')}
          rules={[
            {
              required: true,
              validator: (_rule, value: string | undefined) =>
                parseYuanToFen(value ?? '') !== null
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('common.amountInvalid'))),
            },
          ]}
        >
          <Input inputMode="decimal" placeholder="0.00" />
        </Form.Item>
        {kind !== 'single' && (
          <Form.Item name="count" label={t('redPacket.count')} rules={[{ required: true }]}>
            <Stepper min={1} max={SHARES_MAX} digits={0} />
          </Form.Item>
        )}
        {kind === 'single' && (
          <Form.Item
            name="toPhone"
            label={t('redPacket.toPhone')}
            rules={[{ required: true, pattern: /^1[3-9][0-9]{9}$/ }]}
          >
            <Input type="tel" inputMode="numeric" />
          </Form.Item>
        )}
        <Form.Item name="note" label={t('redPacket.note')}>
          <Input maxLength={50} />
        </Form.Item>
      </Form>
      <Refusal error={error} />
      <OpenByLink />
      {pinSheet.sheet}
    </Page>
  );
}
