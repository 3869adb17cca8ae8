// History: the statement, newest first, filtered by kind and direction, paged with next_before;
// each line opens a detail page with the operation or red packet behind it.
import { Button, InfiniteScroll, List, Selector, SpinLoading } from 'antd-mobile';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { formatFen } from '../../shared/money';
import { walletApi, type Operation, type StatementKind, type StatementLine } from '../api';
import { Page } from '../components/page';
import { Refusal } from '../components/refusal';
import { navigate } from '../router';
import { useText, type TextKey } from '../text';

const PAGE_LINES = '20';

/** The filter chips: each stands for one or more of the statement's kinds. */
const KIND_GROUPS: { id: string; label: TextKey; kinds: StatementKind[] | null }[] = [
  { id: 'all', label: 'history.all', kinds: null },
  { id: 'top_up', label: 'history.group.topUp', kinds: ['top_up'] },
  { id: 'withdrawal', label: 'history.group.withdrawal', kinds: ['withdrawal', 'withdrawal_fee'] },
  { id: 'transfer', label: 'history.group.transfer', kinds: ['transfer_in', 'transfer_out'] },
  {
    id: 'red_packet',
    label: 'history.group.redPacket',
    kinds: ['red_packet_sent', 'red_packet_received', 'red_packet_refund'],
  },
  { id: 'payment', label: 'history.group.payment', kinds: ['payment', 'refund', 'merchant_transfer', 'other'] },
];

/** Lines already read, so a detail page opens without asking again. */
const linesSeen = new Map<string, StatementLine>();

function LineTitle({ line }: { line: StatementLine }) {
  const t = useText();
  return (
    <>
      {t(`kind.${line.kind}`)}
      {(line.merchant ?? line.counterparty) && (
        <span className="line-who"> · {(line.merchant ?? line.counterparty)!.name}</span>
      )}
    </>
  );
}

function LineAmount({ line }: { line: StatementLine }) {
  return (
    <span className={`saoma-amount line-amount line-amount-${line.direction}`}>
      {formatFen(line.amount, { signed: line.direction })}
    </span>
  );
}

function useStatement(groupId: string, direction: string) {
  const [lines, setLines] = useState<StatementLine[]>([]);
  const [before, setBefore] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const generation = useRef(0);
  useEffect(() => {
    generation.current += 1;
    setLines([]);
    setBefore(undefined);
    setError(null);
  }, [groupId, direction]);
  const loadMore = useCallback(async () => {
    const asked = generation.current;
    const kinds = KIND_GROUPS.find((group) => group.id === groupId)?.kinds;
    const page = await walletApi.statement({
      limit: PAGE_LINES,
      before: before ?? undefined,
      kind: kinds?.join(','),
      direction: direction === 'all' ? undefined : direction,
    });
    if (asked !== generation.current) return;
    if (!page.ok) {
      setError(page.error);
      setBefore(null);
      return;
    }
    page.value.lines.forEach((line) => linesSeen.set(line.seq, line));
    setLines((current) => [...current, ...page.value.lines]);
    setBefore(page.value.next_before);
  }, [before, groupId, direction]);
  return { lines, hasMore: before !== null, loadMore, error };
}

export function HistoryScreen() {
  const t = useText();
  const [groupId, setGroupId] = useState('all');
  const [direction, setDirection] = useState('all');
  const statement = useStatement(groupId, direction);
  return (
    <Page title={t('home.history')}>
      <div className="filters">
        <Selector
          options={KIND_GROUPS.map((group) => ({ label: t(group.label), value: group.id }))}
          value={[groupId]}
          onChange={(value) => setGroupId(value[0] ?? 'all')}
        />
        <Selector
          options={[
            { label: t('history.all'), value: 'all' },
            { label: t('history.in'), value: 'in' },
            { label: t('history.out'), value: 'out' },
          ]}
          value={[direction]}
          onChange={(value) => setDirection(value[0] ?? 'all')}
        />
      </div>
      <Refusal error={statement.error} />
      <List className="statement" data-testid="statement">
        {statement.lines.map((line) => (
          <List.Item
            key={line.seq}
            onClick={() => navigate(`/history/${line.seq}`)}
            description={`${new Date(line.at).toLocaleString()}${line.note ? ` · ${line.note}` : ''}`}
            extra={<LineAmount line={line} />}
            data-kind={line.kind}
          >
            <LineTitle line={line} />
          </List.Item>
        ))}
      </List>
      <InfiniteScroll loadMore={statement.loadMore} hasMore={statement.hasMore}>
        {statement.hasMore ? <SpinLoading /> : <span className="muted">{t('history.end')}</span>}
      </InfiniteScroll>
    </Page>
  );
}

function useLine(seq: string) {
  const [line, setLine] = useState<StatementLine | null>(linesSeen.get(seq) ?? null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (linesSeen.has(seq) || !/^[0-9]{1,19}$/.test(seq)) return;
    // Opened by link: the page of one line just before seq + 1 is this line.
    void walletApi.statement({ limit: '1', before: (BigInt(seq) + 1n).toString() }).then((page) => {
      if (!page.ok) return setError(page.error);
      const found = page.value.lines.find((candidate) => candidate.seq === seq);
      if (found) setLine(found);
      else setError({ status: 404, code: 'not_found', message: `no statement line ${seq}` });
    });
  }, [seq]);
  return { line, error };
}

function OperationDetail({ operationId }: { operationId: string }) {
  const t = useText();
  const [operation, setOperation] = useState<Operation | null>(null);
  useEffect(() => {
    void walletApi.operation(operationId).then((read) => read.ok && setOperation(read.value));
  }, [operationId]);
  if (!operation) return null;
  return (
    <List header={t('history.operation')}>
      <List.Item extra={operation.id}>{t('history.operationId')}</List.Item>
      <List.Item extra={operation.status}>{t('history.status')}</List.Item>
      {operation.fee !== '0' && <List.Item extra={formatFen(operation.fee)}>{t('money.fee')}</List.Item>}
      {operation.card_id && <List.Item extra={operation.card_id}>{t('money.card')}</List.Item>}
      {operation.completed_at && (
        <List.Item extra={new Date(operation.completed_at).toLocaleString()}>{t('history.completed')}</List.Item>
      )}
      {operation.failure && <List.Item description={operation.failure.message}>{operation.failure.code}</List.Item>}
    </List>
  );
}

export function HistoryLineScreen({ seq }: { seq: string }) {
  const t = useText();
  const { line, error } = useLine(seq);
  if (!line) {
    return (
      <Page title={t('history.detail')}>{error ? <Refusal error={error} /> : <SpinLoading className="center" />}</Page>
    );
  }
  return (
    <Page title={t('history.detail')}>
      <div className="line-head">
        <div className="line-head-kind">
          <LineTitle line={line} />
        </div>
        <div className="line-head-amount" data-testid="line-amount">
          <LineAmount line={line} />
        </div>
      </div>
      <List>
        <List.Item extra={new Date(line.at).toLocaleString()}>{t('history.time')}</List.Item>
        <List.Item extra={t(line.direction === 'in' ? 'history.in' : 'history.out')}>
          {t('history.direction')}
        </List.Item>
        {line.counterparty && <List.Item extra={line.counterparty.name}>{t('history.counterparty')}</List.Item>}
        {line.merchant && <List.Item extra={line.merchant.name}>{t('history.merchant')}</List.Item>}
        {line.cause?.type === 'order' && (
          <List.Item extra={<code className="small">{line.cause.id}</code>}>{t('history.order')}</List.Item>
        )}
        {line.note && <List.Item extra={line.note}>{t('pay.note')}</List.Item>}
        <List.Item extra={<code className="small">{line.transfer_id}</code>}>{t('history.transferId')}</List.Item>
      </List>
      {line.cause?.type === 'operation' && <OperationDetail operationId={line.cause.id} />}
      {line.cause?.type === 'red_packet' && (
        <div className="actions">
          <Button block color="danger" fill="outline" onClick={() => navigate(`/red-packets/${line.cause!.id}`)}>
            {t('history.seePacket')}
          </Button>
        </div>
      )}
    </Page>
  );
}
