// The wallet's calls to the native API (/v1/…), typed as the server answers them. Amounts are
// strings of whole fen. Calls that move money take the operation's Idempotency-Key from the
// caller, who keeps it for retries of the same operation (a wrong PIN, a lost connection).
import { createApiClient, type ApiError, type ApiResult } from '../shared/api';

export type Tier = 1 | 2 | 3;

export interface Me {
  id: string;
  provider: string;
  phone: string;
  tier: Tier;
  real_name: string | null;
  id_number: string | null;
  status: 'active' | 'frozen';
  pin_set: boolean;
  created_at: string;
}

export interface Limits {
  tier: Tier;
  allowance: { period: string; limit: string; used: string; left: string };
  how_to_raise: string | null;
  withdrawal: {
    free_quota_period: string;
    free_quota: string;
    free_quota_left: string;
    fee_rate_bps: number;
    fee_min: string;
  };
  red_packets: { share_max: string; count_max: number; expiry_seconds: number };
}

export interface Balance {
  available: string;
  pending: string;
  currency: string;
}

export interface Bank {
  id: string;
  name: string;
  name_zh: string;
  bin_prefixes: string[];
}

export interface Provider {
  id: string;
  name: string;
  name_zh: string;
  password_free_limit: string;
}

export interface Card {
  id: string;
  bank: string;
  bank_name: string;
  kind: 'debit' | 'credit';
  number: string;
  holder_name: string;
  linked_at: string;
}

export interface Operation {
  id: string;
  kind: string;
  status: string;
  amount: string;
  fee: string;
  card_id: string | null;
  counterparty_user_id: string | null;
  note: string | null;
  failure: { code: string; message: string } | null;
  created_at: string;
  completed_at: string | null;
}

export const STATEMENT_KINDS = [
  'top_up',
  'withdrawal',
  'withdrawal_fee',
  'transfer_in',
  'transfer_out',
  'red_packet_sent',
  'red_packet_received',
  'red_packet_refund',
  'payment',
  'refund',
  'merchant_transfer',
  'other',
] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export interface StatementLine {
  seq: string;
  at: string;
  kind: StatementKind;
  direction: 'in' | 'out';
  amount: string;
  counterparty: { user_id: string; name: string } | null;
  /** The merchant paid, refunding or paying out. */
  merchant: { id: string; name: string } | null;
  cause: { type: 'operation' | 'red_packet' | 'order' | 'merchant_transfer'; id: string } | null;
  note: string | null;
  transfer_id: string;
}

export interface StatementPage {
  balance: Balance;
  lines: StatementLine[];
  next_before: string | null;
}

export type RedPacketKind = 'single' | 'lucky' | 'equal';

export interface RedPacket {
  id: string;
  kind: RedPacketKind;
  sender: { user_id: string; name: string };
  recipient: { user_id: string; name: string } | null;
  total: string;
  count: number;
  note: string | null;
  status: string;
  created_at: string;
  expires_at: string;
  claimed_count: number;
  claimed: string;
  refunded: string | null;
  shares: {
    index: number;
    amount: string;
    claimed_by: { user_id: string; name: string } | null;
    claimed_at: string | null;
    luckiest: boolean;
  }[];
}

export interface Claim {
  amount: string;
  share_index: number;
  already_claimed: boolean;
  packet: RedPacket;
}

export interface Order {
  order_id: string;
  out_trade_no: string;
  status: string;
  channel: string;
  amount: string;
  fee: string;
  refunded: string;
  subject: string;
  store_id: string | null;
  created_at: string;
  expires_at: string | null;
  paid_at: string | null;
  merchant?: { id: string; name: string } | null;
}

export interface ScannedCode {
  code: string;
  kind: 'static' | 'order' | 'personal';
  merchant: { id: string; name: string; provider: string } | null;
  payee: { user_id: string; name: string; provider: string } | null;
  store: { id: string; name: string; city: string } | null;
  order: Order | null;
}

export interface PaymentCode {
  code: string;
  expires_at: string;
  refresh_after_seconds: number;
  password_free_limit: string;
}

export interface ReceiveCode {
  code: string;
  code_url: string;
}

export interface Payee {
  user_id: string;
  name: string;
  phone: string;
}

export interface WithdrawalQuote {
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

export interface SignedIn {
  user: Me;
}

export type { ApiError, ApiResult };

const unauthorizedListeners = new Set<() => void>();
/** The session ended (expired, signed out elsewhere): the app shows the log-in screen. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const client = createApiClient({
  onUnauthorized: () => unauthorizedListeners.forEach((listener) => listener()),
});
const key = (idempotencyKey: string) => ({ idempotencyKey });

export const walletApi = {
  signUp: (body: { provider: string; phone: string; password: string; device_name?: string }) =>
    client.post<SignedIn>('/v1/users', body),
  logIn: (body: { provider?: string; phone: string; password: string; device_name?: string }) =>
    client.post<SignedIn>('/v1/sessions', body),
  logOut: () => client.delete<void>('/v1/sessions/current'),
  me: () => client.get<Me>('/v1/me'),
  limits: () => client.get<Limits>('/v1/me/limits'),
  setPin: (body: { password: string; pin: string }) => client.put<void>('/v1/me/pin', body),
  verifyRealName: (body: { name: string; id_number: string }) => client.post<Me>('/v1/me/real-name', body),
  providers: () => client.get<{ providers: Provider[] }>('/v1/providers'),
  banks: () => client.get<{ banks: Bank[] }>('/v1/banks'),
  cards: () => client.get<{ cards: Card[] }>('/v1/me/cards'),
  linkCard: (body: { number: string; name: string; phone: string }) =>
    client.post<{ card: Card; tier: Tier; raised_to_class_3: boolean }>('/v1/me/cards', body),
  unlinkCard: (cardId: string) => client.delete<void>(`/v1/me/cards/${encodeURIComponent(cardId)}`),
  balance: () => client.get<Balance>('/v1/wallet'),
  topUp: (idempotencyKey: string, body: { card_id: string; amount: string; pin: string }) =>
    client.post<Operation>('/v1/wallet/top-ups', body, key(idempotencyKey)),
  quoteWithdrawal: (amountFen: string) =>
    client.get<WithdrawalQuote>('/v1/wallet/withdrawals/quote', { query: { amount: amountFen } }),
  withdraw: (idempotencyKey: string, body: { card_id: string; amount: string; pin: string; expected_fee: string }) =>
    client.post<Operation>('/v1/wallet/withdrawals', body, key(idempotencyKey)),
  payee: (phone: string) => client.get<Payee>('/v1/payees', { query: { phone } }),
  transfer: (idempotencyKey: string, body: { to_user_id: string; amount: string; note?: string; pin: string }) =>
    client.post<Operation>('/v1/wallet/transfers', body, key(idempotencyKey)),
  statement: (query: { limit?: string; before?: string; kind?: string; direction?: string }) =>
    client.get<StatementPage>('/v1/wallet/statement', { query }),
  operation: (operationId: string) => client.get<Operation>(`/v1/wallet/operations/${encodeURIComponent(operationId)}`),
  sendRedPacket: (
    idempotencyKey: string,
    body: { kind: RedPacketKind; amount: string; count: number; to_phone?: string; note?: string; pin: string },
  ) => client.post<RedPacket>('/v1/red-packets', body, key(idempotencyKey)),
  claimRedPacket: (idempotencyKey: string, packetId: string) =>
    client.post<Claim>(`/v1/red-packets/${encodeURIComponent(packetId)}/claims`, {}, key(idempotencyKey)),
  redPacket: (packetId: string) => client.get<RedPacket>(`/v1/red-packets/${encodeURIComponent(packetId)}`),
  scan: (text: string) => client.post<ScannedCode>('/v1/codes/scan', { text }),
  describeCode: (code: string) => client.get<ScannedCode>(`/v1/codes/${encodeURIComponent(code)}`),
  payCode: (idempotencyKey: string, code: string, body: { amount?: string; pin?: string; note?: string }) =>
    client.post<Order | Operation>(`/v1/codes/${encodeURIComponent(code)}/pay`, body, key(idempotencyKey)),
  receiveCode: () => client.post<ReceiveCode>('/v1/me/receive-code'),
  paymentCode: () => client.post<PaymentCode>('/v1/wallet/payment-codes'),
  awaiting: () => client.get<{ orders: Order[] }>('/v1/wallet/payments/awaiting'),
  confirmPayment: (idempotencyKey: string, orderId: string, pin: string) =>
    client.post<Order>(`/v1/wallet/payments/${encodeURIComponent(orderId)}/confirm`, { pin }, key(idempotencyKey)),
};
