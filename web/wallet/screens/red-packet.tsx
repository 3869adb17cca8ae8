// One red packet. Someone who may still claim a share sees the closed envelope and opens it (the
// 開 coin spins while the claim is made); then everyone sees who got what, the luckiest share,
// and what went back to the sender. The sender also gets the link and a QR to share it.
import { Button, List, SpinLoading, Tag, Toast } from 'antd-mobile';
import { useCallback, useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { newIdempotencyKey } from '../../shared/api';
import { formatFen } from '../../shared/money';
import { walletApi, type RedPacket } from '../api';
import { QrImage } from '../components/codes';
import { Page } from '../components/page';
import { Refusal } from '../components/refusal';
import { walletLink } from '../router';
import { useMe } from '../session';
import { useText } from '../text';

/** The coin spins at least this long: long enough to be seen, short enough not to annoy. */
const OPENING_ANIMATION_MS = 900;

function Envelope(props: { packet: RedPacket; opening: boolean; onOpen(): void }) {
  const t = useText();
  return (
    <div className="envelope" data-testid="envelope">
      <div className="envelope-from">{t('redPacket.from', { name: props.packet.sender.name })}</div>
      <div className="envelope-note">{props.packet.note ?? t('redPacket.defaultNote')}</div>
      <button
        type="button"
        className={`envelope-coin ${props.opening ? 'envelope-coin-spinning' : ''}`}
        onClick={props.onOpen}
        disabled={props.opening}
        aria-label={t('redPacket.open')}
      >
        開
      </button>
    </div>
  );
}

function Shares({ packet, myUserId }: { packet: RedPacket; myUserId: string }) {
  const t = useText();
  const claimed = packet.shares.filter((share) => share.claimed_by !== null);
  return (
    <List
      header={t('redPacket.claimedSummary', {
        claimed: packet.claimed_count,
        count: packet.count,
        amount: formatFen(packet.claimed),
        total: formatFen(packet.total),
      })}
      className="shares"
    >
      {claimed.map((share) => (
        <List.Item
          key={share.index}
          description={share.claimed_at ? new Date(share.claimed_at).toLocaleString() : undefined}
          extra={<span className="saoma-amount">{formatFen(share.amount)}</span>}
        >
          {share.claimed_by!.name}
          {share.claimed_by!.user_id === myUserId && ` (${t('redPacket.you')})`}{' '}
          {share.luckiest && (
            <Tag color="warning" data-testid="luckiest">
              {t('redPacket.luckiest')}
            </Tag>
          )}
        </List.Item>
      ))}
      {packet.refunded !== null && packet.refunded !== '0' && (
        <List.Item extra={formatFen(packet.refunded)}>{t('redPacket.refunded')}</List.Item>
      )}
    </List>
  );
}

function ShareLink({ packet }: { packet: RedPacket }) {
  const t = useText();
  const link = walletLink(`/red-packets/${packet.id}`);
  const copy = async () => {
    await navigator.clipboard?.writeText(link).catch(() => undefined);
    Toast.show({ content: t('redPacket.copied') });
  };
  return (
    <div className="packet-share">
      <QrImage text={link} sizePixels={160} label={t('redPacket.qr')} />
      <code className="packet-link" data-testid="packet-link">
        {link}
      </code>
      <Button size="small" onClick={() => void copy()}>
        {t('redPacket.copy')}
      </Button>
    </div>
  );
}

export function RedPacketScreen({ packetId }: { packetId: string }) {
  const t = useText();
  const me = useMe();
  const [packet, setPacket] = useState<RedPacket | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [opening, setOpening] = useState(false);
  const [claimKey] = useState(newIdempotencyKey);

  const load = useCallback(async () => {
    const read = await walletApi.redPacket(packetId);
    if (read.ok) setPacket(read.value);
    else setError(read.error);
  }, [packetId]);
  useEffect(() => {
    void load();
  }, [load]);

  const open = async () => {
    setOpening(true);
    setError(null);
    const [claimed] = await Promise.all([
      walletApi.claimRedPacket(claimKey, packetId),
      new Promise((resolve) => window.setTimeout(resolve, OPENING_ANIMATION_MS)),
    ]);
    setOpening(false);
    if (claimed.ok) setPacket(claimed.value.packet);
    else {
      setError(claimed.error);
      await load();
    }
  };

  if (!packet) {
    return (
      <Page title={t('redPacket.title')} tone="red">
        {error ? <Refusal error={error} /> : <SpinLoading className="center" />}
      </Page>
    );
  }
  const mine = packet.shares.find((share) => share.claimed_by?.user_id === me.id);
  const isSender = packet.sender.user_id === me.id;
  const mayOpen = !mine && !isSender && packet.status === 'open' && error === null;
  return (
    <Page title={t('redPacket.title')} tone="red">
      {mayOpen ? (
        <Envelope packet={packet} opening={opening} onOpen={() => void open()} />
      ) : (
        <div className="packet-head">
          <div className="envelope-from">{t('redPacket.from', { name: packet.sender.name })}</div>
          <div className="envelope-note">{packet.note ?? t('redPacket.defaultNote')}</div>
          {mine && (
            <div className="packet-mine saoma-amount" data-testid="my-share">
              {formatFen(mine.amount)}
            </div>
          )}
          {mine && <div className="packet-mine-note">{t('redPacket.inWallet')}</div>}
        </div>
      )}
      <Refusal error={error} />
      {isSender && packet.status === 'open' && <ShareLink packet={packet} />}
      <Shares packet={packet} myUserId={me.id} />
    </Page>
  );
}
