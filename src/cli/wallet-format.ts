// What the command-line wallet prints for people: the native API's JSON (amounts as strings of
// fen) turned into lines with ¥ amounts and times in the network's time zone. Names go last on a
// line: Chinese characters are two columns wide and would push later columns out of line.
import { formatYuanSymbol } from '../shared/money.js';
import type { WalletProblem } from './wallet-client.js';

export interface UserJson {
  id: string;
  provider: string;
  phone: string;
  tier: number;
  real_name: string | null;
  id_number: string | null;
  status: string;
  pin_set: boolean;
}

export interface LimitsJson {
  tier: number;
  allowance: { period: string; limit: string; used: string; left: string };
  how_to_raise: string | null;
  withdrawal: { free_quota: string; free_quota_left: string; fee_rate_bps: number; fee_min: string };
}

export interface CardJson {
  id: string;
  bank: string;
  bank_name: string;
  kind: string;
  number: string;
  holder_name: string;
  linked_at: string;
}

export interface OperationJson {
  id: string;
  kind: string;
  status: string;
  amount: string;
  fee: string;
  card_id: string | null;
  counterparty_user_id: string | null;
  note: string | null;
}

export interface QuoteJson {
  amount: string;
  fee: string;
  total: string;
  free_part: string;
  chargeable_part: string;
  free_quota_left: string;
  free_quota_left_after: string;
  fee_rate_bps: number;
  fee_min: string;
}

export interface PayeeJson {
  user_id: string;
  name: string;
  phone: string;
}

export interface StatementJson {
  balance: { available: string };
  lines: {
    at: string;
    kind: string;
    direction: 'in' | 'out';
    amount: string;
    counterparty: { user_id: string; name: string } | null;
    merchant?: { id: string; name: string } | null;
    cause: { type: string; id: string } | null;
    note: string | null;
  }[];
  next_before: string | null;
}

/** "1250" → "¥12.50"; anything that is not whole fen is shown as it came, rather than guessed at. */
export function yuan(fen: unknown): string {
  return typeof fen === 'string' && /^-?[0-9]{1,20}$/.test(fen) ? formatYuanSymbol(BigInt(fen)) : String(fen);
}

const TIER_NAMES: Record<number, string> = { 1: 'class I', 2: 'class II', 3: 'class III' };
export const tierName = (tier: number): string => TIER_NAMES[tier] ?? `class ${tier}`;

/** The network's time (Asia/Shanghai, UTC+8 all year), to the minute: "2026-06-01 18:05". */
export function networkTime(iso: unknown): string {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) return String(iso);
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

export const userLine = (user: UserJson): string =>
  `${user.phone} at ${user.provider}, ${tierName(user.tier)}${user.real_name === null ? '' : `, ${user.real_name}`}`;

export function whoamiText(server: string, user: UserJson, limits: LimitsJson): string {
  const rows: [string, string][] = [
    ['server', server],
    ['user', `${user.id}, ${user.phone} at ${user.provider}`],
    ['class', `${tierName(user.tier)}${user.status === 'frozen' ? ' (frozen)' : ''}`],
    ['real name', user.real_name === null ? 'not verified' : `${user.real_name}, ID ${user.id_number ?? '?'}`],
    ['PIN', user.pin_set ? 'set' : 'not set'],
    [
      'allowance',
      `${yuan(limits.allowance.left)} left of ${yuan(limits.allowance.limit)} (${limits.allowance.period === 'life' ? 'since opening' : limits.allowance.period.replace(/^y/, 'year ')})`,
    ],
    ['withdrawals', `${yuan(limits.withdrawal.free_quota_left)} free of fee left, then ${feeRule(limits.withdrawal)}`],
  ];
  if (limits.how_to_raise) rows.push(['to raise it', limits.how_to_raise]);
  return rows.map(([label, value]) => `${label.padEnd(12)} ${value}`).join('\n');
}

const feeRule = (rule: { fee_rate_bps: number; fee_min: string }) =>
  `${(rule.fee_rate_bps / 100).toFixed(2)}% with a ${yuan(rule.fee_min)} minimum`;

export function cardsText(cards: readonly CardJson[]): string {
  if (cards.length === 0) return 'No linked cards.';
  return cards
    .map(
      (card) =>
        `${card.id.padEnd(22)} ${card.kind.padEnd(6)} ${card.number}  ${card.bank_name} (${card.bank})  ${card.holder_name}`,
    )
    .join('\n');
}

export function quoteText(cardId: string, quote: QuoteJson): string {
  const free = quote.free_part === '0' ? 'none of it is free' : `${yuan(quote.free_part)} of it free`;
  return [
    `Withdrawal of ${yuan(quote.amount)} to card ${cardId}`,
    `  fee         ${yuan(quote.fee)} (${free}; ${feeRule(quote)} on the rest)`,
    `  free quota  ${yuan(quote.free_quota_left)} left, ${yuan(quote.free_quota_left_after)} after this`,
    `  total       ${yuan(quote.total)} leaves your balance`,
  ].join('\n');
}

export function operationText(operation: OperationJson, payee?: PayeeJson): string {
  const fee = operation.fee === '0' ? '' : ` (fee ${yuan(operation.fee)})`;
  const what =
    operation.kind === 'top_up'
      ? `Topped up ${yuan(operation.amount)} from card ${operation.card_id}`
      : operation.kind === 'withdrawal'
        ? `Withdrew ${yuan(operation.amount)} to card ${operation.card_id}${fee}`
        : `Sent ${yuan(operation.amount)} to ${payee ? `${payee.name} (${payee.phone})` : operation.counterparty_user_id}`;
  return `${what}: ${operation.status}, operation ${operation.id}`;
}

export function statementText(page: StatementJson, limit: number): string {
  const lines = page.lines.map((line) => {
    const sign = line.direction === 'in' ? '+' : '-';
    const who = `  ${line.merchant?.name ?? line.counterparty?.name ?? ''}`.trimEnd();
    const note = line.note === null ? '' : `  "${line.note}"`;
    const cause = line.cause === null ? '' : `  ${line.cause.id}`;
    return `${networkTime(line.at)}  ${line.kind.padEnd(19)} ${`${sign}${yuan(line.amount)}`.padStart(13)}${cause}${who}${note}`;
  });
  const more =
    page.next_before === null
      ? ''
      : `\nolder lines: saoma wallet history --limit ${limit} --before ${page.next_before}`;
  const body = lines.length === 0 ? 'No movements.' : lines.join('\n');
  return `${body}\nbalance ${yuan(page.balance.available)}${more}`;
}

/** A red packet as the API describes it; read field by field, since only a few fields are needed here. */
export function redPacketText(packet: Record<string, unknown>): string {
  const person = (value: unknown) => (value as { name?: string } | null | undefined)?.name;
  const shares = Array.isArray(packet.shares) ? (packet.shares as Record<string, unknown>[]) : [];
  const lines = [
    `Red packet ${String(packet.id)}: ${String(packet.kind)}, ${yuan(packet.total)} in ${String(packet.count)} share(s), ${String(packet.status)}`,
  ];
  if (person(packet.sender)) lines.push(`  from      ${person(packet.sender)}`);
  if (person(packet.recipient)) lines.push(`  for       ${person(packet.recipient)}`);
  if (typeof packet.note === 'string' && packet.note !== '') lines.push(`  note      "${packet.note}"`);
  if (packet.claimed !== undefined) {
    const shares =
      packet.claimed_count === undefined ? '' : `${String(packet.claimed_count)} of ${String(packet.count)}, `;
    lines.push(`  claimed   ${shares}${yuan(packet.claimed)}`);
  }
  if (packet.refunded !== undefined && packet.refunded !== null) lines.push(`  refunded  ${yuan(packet.refunded)}`);
  if (typeof packet.expires_at === 'string') lines.push(`  expires   ${networkTime(packet.expires_at)}`);
  for (const share of shares) {
    if (!person(share.claimed_by)) continue;
    lines.push(
      `  ${yuan(share.amount).padStart(10)}  ${share.luckiest === true ? 'luckiest  ' : ''}${person(share.claimed_by)}`,
    );
  }
  return lines.join('\n');
}

/** The answer to a claim: the share, and whether this claim took it or an earlier one had. */
export function claimText(answer: Record<string, unknown>): string {
  const packet = answer.packet as Record<string, unknown> | undefined;
  const what =
    answer.already_claimed === true
      ? `You had already claimed ${yuan(answer.amount)} from this red packet.`
      : `You got ${yuan(answer.amount)}.`;
  return packet ? `${what}\n${redPacketText(packet)}` : what;
}

/** A refusal or failure for stderr: the code, the sentence, the particulars, and what to do next. */
export function problemText(problem: WalletProblem, hint: string | undefined): string {
  const lines = [`saoma: ${problem.message} (${problem.code})`];
  if (problem.field !== undefined) lines.push(`  field: ${problem.field}`);
  for (const [name, value] of Object.entries(problem.details ?? {})) {
    // how_to_raise is a sentence already said in the message; the rest are figures.
    if (name === 'how_to_raise') continue;
    lines.push(`  ${name}: ${isFenDetail(name) ? `${yuan(value)} (${String(value)} fen)` : JSON.stringify(value)}`);
  }
  if (hint !== undefined) lines.push(`  ${hint}`);
  return lines.join('\n');
}

/** Which refusal details are amounts in fen (see the wallet service's problems). */
const isFenDetail = (name: string): boolean =>
  name.endsWith('_fen') || ['available', 'needed', 'fee', 'left', 'limit'].includes(name);

/** An order as the native API describes it (acquiring/json.ts), as far as the wallet reads it. */
export interface OrderJson {
  order_id: string;
  out_trade_no: string;
  status: string;
  channel: string;
  amount: string;
  fee: string;
  subject: string;
  store_id: string | null;
  code: string | null;
  expires_at: string | null;
  paid_at: string | null;
}

/** What a scanned code is: `POST /v1/codes/scan`. */
export interface ScannedJson {
  code: string;
  kind: 'static' | 'order';
  merchant: { id: string; name: string; provider: string };
  store: { id: string; name: string; city: string } | null;
  order: OrderJson | null;
}

/** A payment code for the cashier: `POST /v1/wallet/payment-codes`. */
export interface PaymentCodeJson {
  code: string;
  expires_at: string;
  refresh_after_seconds: number;
  password_free_limit: string;
  qr_svg: string;
  barcode_svg: string;
}

/** The network's time to the second: "2026-06-01 18:05:32". */
export function networkTimeSeconds(iso: unknown): string {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) return String(iso);
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** "281234567890123456" → "28 1234 5678 9012 3456": groups of four from the right, as a cashier reads it out. */
export function groupedDigits(code: string): string {
  const head = code.length % 4;
  const groups = head === 0 ? [] : [code.slice(0, head)];
  for (let index = head; index < code.length; index += 4) groups.push(code.slice(index, index + 4));
  return groups.join(' ');
}

/** The QR (rendered by the caller), the digits under it, and how long and how far it pays. */
export function paymentCodeText(answer: PaymentCodeJson, qr: string): string {
  return [
    qr.trimEnd(),
    `Payment code  ${groupedDigits(answer.code)}`,
    `  valid until ${networkTimeSeconds(answer.expires_at)} (a new one every ${answer.refresh_after_seconds} s)`,
    `  up to ${yuan(answer.password_free_limit)} paid without asking; above it you confirm with your PIN`,
  ].join('\n');
}

const whereOf = (scanned: ScannedJson) =>
  scanned.store === null
    ? scanned.merchant.name
    : `${scanned.merchant.name} (${scanned.store.name}, ${scanned.store.city})`;

/** How an order that is not simply waiting to be paid is described before paying it. */
const ORDER_STATES: Record<string, string> = {
  WAIT_BUYER_PAY: '',
  SUCCESS: ' (already paid)',
  REFUND: ' (already paid; there are refunds)',
  CLOSED: ' (closed)',
};

/** Said before paying: how much, to whom, for what. */
export function payingText(scanned: ScannedJson, amountFen: string): string {
  const order = scanned.order;
  if (order === null) return `Paying ${yuan(amountFen)}, the amount you typed, to ${whereOf(scanned)}`;
  const state = ORDER_STATES[order.status] ?? ` (${order.status})`;
  return `Paying ${yuan(amountFen)} for order ${order.out_trade_no}${state} to ${whereOf(scanned)}: ${order.subject}`;
}

/** Said after paying; a paid order's code paid again by the same person answers with that order. */
export function paidText(scanned: ScannedJson, order: OrderJson): string {
  const before = scanned.order?.status;
  const again = (before === 'SUCCESS' || before === 'REFUND') && scanned.order?.order_id === order.order_id;
  const what = again ? 'Already paid' : 'Paid';
  return `${what} ${yuan(order.amount)} to ${scanned.merchant.name}: ${order.status}, order ${order.order_id} (${order.out_trade_no})`;
}

/** A scanned payment code waiting for the PIN. The API's order carries no merchant name, so the subject says what it is. */
export function awaitingLine(order: OrderJson): string {
  return `${order.order_id}  ${yuan(order.amount).padStart(12)}  until ${networkTimeSeconds(order.expires_at)}  ${order.subject}`;
}

export function awaitingText(orders: readonly OrderJson[]): string {
  if (orders.length === 0) return 'Nothing waits for your PIN.';
  return [...orders.map(awaitingLine), 'confirm one with: saoma wallet confirm ORDER_ID --pin PIN'].join('\n');
}

export const confirmedText = (order: OrderJson): string =>
  `Paid ${yuan(order.amount)} for ${order.subject}: ${order.status}, order ${order.order_id} (${order.out_trade_no})`;
