// Bank cards: the linked cards (masked), linking one (number, the holder's name and phone, which
// the bank checks against its record; a debit card in one's own name raises the wallet to class
// III), and unlinking.
import { Button, Dialog, Form, Input, Result, SpinLoading } from 'antd-mobile';
import { useCallback, useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { walletApi, type Bank, type Card } from '../api';
import { Page } from '../components/page';
import { Refusal } from '../components/refusal';
import { navigate } from '../router';
import { useMe, useSession } from '../session';
import { useText } from '../text';

export function useCards() {
  const [cards, setCards] = useState<Card[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = useCallback(async () => {
    const read = await walletApi.cards();
    if (read.ok) setCards(read.value.cards);
    else setError(read.error);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  return { cards, error, reload: load };
}

export function CardTile({ card, onUnlink }: { card: Card; onUnlink?: () => void }) {
  const t = useText();
  return (
    <div className={`bank-card bank-card-${card.bank}`} data-testid="bank-card">
      <div className="bank-card-bank">{card.bank_name}</div>
      <div className="bank-card-kind">{t(`cards.kind.${card.kind}`)}</div>
      <div className="bank-card-number">{card.number}</div>
      <div className="bank-card-holder">{card.holder_name}</div>
      {onUnlink && (
        <button type="button" className="bank-card-unlink" onClick={onUnlink}>
          {t('cards.unlink')}
        </button>
      )}
    </div>
  );
}

export function CardsScreen() {
  const t = useText();
  const { cards, error, reload } = useCards();
  const [unlinkError, setUnlinkError] = useState<ApiError | null>(null);
  const unlink = async (card: Card) => {
    const confirmed = await Dialog.confirm({ content: t('cards.unlinkConfirm', { number: card.number }) });
    if (!confirmed) return;
    const removed = await walletApi.unlinkCard(card.id);
    if (!removed.ok) return setUnlinkError(removed.error);
    await reload();
  };
  return (
    <Page title={t('cards.title')}>
      {cards === null && !error && <SpinLoading className="center" />}
      <Refusal error={error ?? unlinkError} />
      <div className="bank-cards">
        {cards?.map((card) => (
          <CardTile key={card.id} card={card} onUnlink={() => void unlink(card)} />
        ))}
        {cards?.length === 0 && <p className="muted center-text">{t('cards.none')}</p>}
      </div>
      <div className="actions">
        <Button block color="primary" onClick={() => navigate('/cards/link')}>
          {t('cards.link')}
        </Button>
        <div className="actions-row">
          <Button block onClick={() => navigate('/top-up')}>
            {t('home.topUp')}
          </Button>
          <Button block onClick={() => navigate('/withdraw')}>
            {t('home.withdraw')}
          </Button>
        </div>
      </div>
    </Page>
  );
}

interface LinkValues {
  number: string;
  name: string;
  phone: string;
}

export function LinkCardScreen() {
  const t = useText();
  const me = useMe();
  const session = useSession();
  const [banks, setBanks] = useState<Bank[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [linked, setLinked] = useState<{ card: Card; raised: boolean } | null>(null);
  useEffect(() => {
    void walletApi.banks().then((read) => read.ok && setBanks(read.value.banks));
  }, []);

  const submit = async (values: LinkValues) => {
    setBusy(true);
    setError(null);
    const done = await walletApi.linkCard({
      number: values.number.replace(/[\s-]/g, ''),
      name: values.name,
      phone: values.phone,
    });
    setBusy(false);
    if (!done.ok) return setError(done.error);
    setLinked({ card: done.value.card, raised: done.value.raised_to_class_3 });
    await session.refresh();
  };

  if (linked) {
    return (
      <Page title={t('cards.link')}>
        <Result
          status="success"
          title={t('cards.linked')}
          description={linked.raised ? t('cards.raised') : undefined}
        />
        <CardTile card={linked.card} />
        <div className="actions">
          <Button block color="primary" onClick={() => navigate('/top-up', { replace: true })}>
            {t('home.topUp')}
          </Button>
          <Button block fill="none" onClick={() => navigate('/cards', { replace: true })}>
            {t('cards.title')}
          </Button>
        </div>
      </Page>
    );
  }
  return (
    <Page title={t('cards.link')}>
      <Form
        layout="horizontal"
        initialValues={{ name: me.real_name ?? '' }}
        onFinish={submit}
        footer={
          <Button block type="submit" color="primary" size="large" loading={busy}>
            {t('cards.linkSubmit')}
          </Button>
        }
      >
        <Form.Header>{t('cards.linkWhy')}</Form.Header>
        <Form.Item name="number" label={t('cards.number')} rules={[{ required: true, pattern: /^[0-9 -]{12,30}$/ }]}>
          <Input inputMode="numeric" placeholder="6217 0000 0000 0000" />
        </Form.Item>
        <Form.Item name="name" label={t('cards.holder')} rules={[{ required: true }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="phone"
          label={t('cards.phone')}
          rules={[{ required: true, pattern: /^1[3-9][0-9]{9}$/, message: t('auth.phoneInvalid') }]}
        >
          <Input type="tel" inputMode="numeric" />
        </Form.Item>
      </Form>
      <Refusal error={error} />
      {banks.length > 0 && (
        <p className="muted small">
          {t('cards.banks')}:{' '}
          {banks.map((bank) => `${bank.name_zh} ${bank.name} (${bank.bin_prefixes.join(', ')})`).join(' · ')}
        </p>
      )}
    </Page>
  );
}
