// Database rows to ledger values; integer columns arrive as bigint (SQLite) or number (PostgreSQL).
import type { Account, PendingStatus, Transfer } from './types.js';

type Row = Record<string, unknown>;

export function accountFromRow(row: Row): Account {
  return {
    id: BigInt(row.id as bigint),
    key: (row.key as string | null) ?? null,
    institutionId: row.institution_id as string,
    ledgerId: Number(row.ledger_id),
    code: Number(row.code),
    ownerRef: (row.owner_ref as string | null) ?? null,
    flags: Number(row.flags),
    debitsPosted: BigInt(row.debits_posted as bigint),
    creditsPosted: BigInt(row.credits_posted as bigint),
    debitsPending: BigInt(row.debits_pending as bigint),
    creditsPending: BigInt(row.credits_pending as bigint),
    lastSeq: BigInt(row.last_seq as bigint),
    createdAtMs: BigInt(row.created_at_ms as bigint),
  };
}

export function transferFromRow(row: Row): Transfer {
  return {
    seq: BigInt(row.seq as bigint),
    id: row.id as string,
    debitAccountId: BigInt(row.debit_account_id as bigint),
    creditAccountId: BigInt(row.credit_account_id as bigint),
    amount: BigInt(row.amount as bigint),
    pendingId: (row.pending_id as string | null) ?? null,
    ledgerId: Number(row.ledger_id),
    code: Number(row.code),
    flags: Number(row.flags),
    timeoutSeconds: Number(row.timeout_seconds),
    userData: (row.user_data as string | null) ?? null,
    createdAtMs: BigInt(row.created_at_ms as bigint),
    pendingStatus: row.pending_status as PendingStatus,
    expiresAtMs:
      row.expires_at_ms === null || row.expires_at_ms === undefined ? null : BigInt(row.expires_at_ms as bigint),
    hash: row.hash as string,
    debitPrevSeq: BigInt(row.debit_prev_seq as bigint),
    creditPrevSeq: BigInt(row.credit_prev_seq as bigint),
  };
}
