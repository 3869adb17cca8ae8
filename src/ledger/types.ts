// The ledger's vocabulary: accounts, transfers, flags and the result of each transfer.
// The model is TigerBeetle's (accounts with four balances, transfers with two phases and
// linked chains), adapted to bigint minor units and string idempotency keys.

/** Largest amount or balance the ledger stores: the int8 column's maximum, 2^63 − 1. */
export const AMOUNT_MAX = 9_223_372_036_854_775_807n;

export const AccountFlags = {
  none: 0,
  /** A wallet: what it pays out (posted and pending) never exceeds what it has received. */
  debitsMustNotExceedCredits: 1,
  /** The mirror, for accounts that must never hold more than they owe (a credit line). */
  creditsMustNotExceedDebits: 2,
  /** A closed account takes no new transfer (resolving a pending one is still allowed). */
  closed: 4,
} as const;
export const ACCOUNT_FLAGS_ALL = 1 | 2 | 4;

export const TransferFlags = {
  none: 0,
  /** This transfer commits or fails together with the next one in the same call. */
  linked: 1,
  /** Reserve the amount (pending balances); resolve later with post or void. */
  pending: 2,
  /** Post (fully or partly) the pending transfer named by `pendingId`. */
  postPending: 4,
  /** Void the pending transfer named by `pendingId`. */
  voidPending: 8,
} as const;
export const TRANSFER_FLAGS_ALL = 1 | 2 | 4 | 8;

/** What callers send. Amounts are bigint minor units (fen for CNY). */
export interface TransferRequest {
  /** The caller's idempotency key: 1–128 printable ASCII characters. */
  id: string;
  /** For post and void: the pending transfer's id. */
  pendingId?: string;
  /** Required for ordinary and pending transfers; for post/void taken from the pending one. */
  debitAccountId?: bigint;
  creditAccountId?: bigint;
  /** Ordinary and pending: > 0. Post: omitted posts the whole pending amount. Void: omitted. */
  amount?: bigint;
  ledgerId?: number;
  /** Why the money moved (payment, fee, refund, top-up …): 1–65535. */
  code?: number;
  flags?: number;
  /** Pending only: void on its own after this many seconds (0 = never). */
  timeoutSeconds?: number;
  /** What it belongs to (an order id, a red packet …), at most 256 characters. */
  userData?: string;
}

/** Every outcome a transfer can have, as a stable machine-readable code. */
export const TRANSFER_RESULT_CODES = [
  'ok',
  // Malformed requests, refused before they reach the writer (nothing is recorded).
  'invalid_id',
  'reserved_id',
  'amount_must_not_be_zero',
  'amount_must_not_be_negative',
  'amount_exceeds_maximum',
  'accounts_must_be_different',
  'invalid_flags',
  'invalid_code',
  'invalid_ledger',
  'invalid_timeout',
  'timeout_reserved_for_pending_transfer',
  'user_data_too_long',
  'debit_account_id_required',
  'credit_account_id_required',
  'pending_id_required',
  'pending_id_must_be_different',
  'linked_event_chain_open',
  'duplicate_id_in_call',
  // Outcomes that depend on the books; the first one is kept for the id, so a replay gets it.
  'exists_with_different_fields',
  'debit_account_not_found',
  'credit_account_not_found',
  'ledger_mismatch',
  'debit_account_closed',
  'credit_account_closed',
  'insufficient_funds',
  'credit_limit_exceeded',
  'balance_overflow',
  'pending_transfer_not_found',
  'pending_transfer_not_pending',
  'pending_transfer_already_posted',
  'pending_transfer_already_voided',
  'pending_transfer_expired',
  'pending_transfer_has_different_amount',
  'exceeds_pending_transfer_amount',
  'linked_event_failed',
  // Appended later: the PostgreSQL function reports codes by position, so new ones go last.
  'account_id_out_of_range',
] as const;
export type TransferResultCode = (typeof TRANSFER_RESULT_CODES)[number];

/** A result code's position in TRANSFER_RESULT_CODES: how the PostgreSQL batch function reports it. */
export const resultCodeNumber = (code: TransferResultCode): number => TRANSFER_RESULT_CODES.indexOf(code);

export interface TransferResult {
  id: string;
  code: TransferResultCode;
  /** True when this id had been seen before with the same body: the code is the first attempt's. */
  replayed: boolean;
  /** Position in the journal, for a transfer that moved money (code ok). */
  seq?: bigint;
  /** The amount that moved (for a full post, the pending amount). */
  amount?: bigint;
}

export type PendingStatus = 'none' | 'pending' | 'posted' | 'voided' | 'expired';

/** A journal row: a transfer that moved money. */
export interface Transfer {
  seq: bigint;
  id: string;
  debitAccountId: bigint;
  creditAccountId: bigint;
  amount: bigint;
  pendingId: string | null;
  ledgerId: number;
  code: number;
  flags: number;
  timeoutSeconds: number;
  userData: string | null;
  createdAtMs: bigint;
  /** For pending transfers: what became of the reservation. */
  pendingStatus: PendingStatus;
  expiresAtMs: bigint | null;
  hash: string;
  /**
   * The account's previous journal row (0: none). Each account's history is a chain through
   * the journal, so the journal needs no per-account index on its hot path; the audit checks
   * every link.
   */
  debitPrevSeq: bigint;
  creditPrevSeq: bigint;
}

export interface Account {
  id: bigint;
  key: string | null;
  institutionId: string;
  ledgerId: number;
  code: number;
  ownerRef: string | null;
  flags: number;
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
  /** The account's latest journal row (0: none), where its history chain starts. */
  lastSeq: bigint;
  createdAtMs: bigint;
}

export interface Ledger {
  id: number;
  currency: string;
  scale: number;
  name: string;
}

export interface Institution {
  id: string;
  name: string;
  kind: InstitutionKind;
}
export type InstitutionKind = 'provider' | 'bank' | 'clearing_house' | 'aggregator' | 'central_bank' | 'operator';
export const INSTITUTION_KINDS: readonly InstitutionKind[] = [
  'provider',
  'bank',
  'clearing_house',
  'aggregator',
  'central_bank',
  'operator',
];

/** Prefix of ids the ledger makes itself (the void of an expired pending transfer). */
export const SYSTEM_ID_PREFIX = 'saoma:';
export const expiryVoidId = (pendingId: string): string => `${SYSTEM_ID_PREFIX}expire:${pendingId}`;
