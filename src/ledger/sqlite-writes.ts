// What one SQLite batch writes, as plain data: the journal rows, the refusals kept for their
// ids, the new balances and the journal head. The planner (sqlite-engine.ts) decides it; this
// module only stores it, in one transaction, on whichever connection and thread runs it.
import type BetterSqlite3 from 'better-sqlite3';
import type { TransferResultCode } from './types.js';
import type { BatchItem } from './validate.js';

/** A transfer row as stored, or about to be. */
export interface TransferRow {
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
  pendingStatus: string;
  expiresAtMs: bigint | null;
  hash: string;
}

/** A refused transfer, kept so that a replay of its id gets the same answer. */
export interface FailureRecord {
  item: BatchItem;
  code: TransferResultCode;
}

export interface WriteSet {
  rows: TransferRow[];
  /** Pending transfers stored by earlier batches whose status this batch changed. */
  statuses: [id: string, status: string][];
  failures: FailureRecord[];
  failedAtMs: bigint;
  accounts: [id: bigint, debitsPosted: bigint, creditsPosted: bigint, debitsPending: bigint, creditsPending: bigint][];
  head: { seq: bigint; hash: string };
}

export function prepareWrites(db: BetterSqlite3.Database) {
  return {
    insertTransfer: db.prepare(
      `INSERT INTO transfers (seq, id, debit_account_id, credit_account_id, amount, pending_id, ledger_id, code,
         flags, timeout_seconds, user_data, created_at_ms, pending_status, expires_at_ms, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertFailure: db.prepare(
      `INSERT INTO transfer_failures (id, pending_id, debit_account_id, credit_account_id, amount, ledger_id, code,
         flags, timeout_seconds, user_data, result, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateAccount: db.prepare(
      `UPDATE accounts SET debits_posted = ?, credits_posted = ?, debits_pending = ?, credits_pending = ?
       WHERE id = ?`,
    ),
    setPendingStatus: db.prepare(`UPDATE transfers SET pending_status = ? WHERE id = ?`),
    setHead: db.prepare(`UPDATE journal_head SET seq = ?, hash = ? WHERE id = 1`),
  };
}
export type WriteStatements = ReturnType<typeof prepareWrites>;

/** Stores a write set; the caller wraps it in a transaction. */
export function executeWrites(statements: WriteStatements, set: WriteSet): void {
  for (const row of set.rows) {
    statements.insertTransfer.run(
      row.seq,
      row.id,
      row.debitAccountId,
      row.creditAccountId,
      row.amount,
      row.pendingId,
      row.ledgerId,
      row.code,
      row.flags,
      row.timeoutSeconds,
      row.userData,
      row.createdAtMs,
      row.pendingStatus,
      row.expiresAtMs,
      row.hash,
    );
  }
  for (const [id, status] of set.statuses) statements.setPendingStatus.run(status, id);
  for (const { item, code } of set.failures) {
    statements.insertFailure.run(
      item.id,
      item.pendingId,
      item.debitAccountId,
      item.creditAccountId,
      item.amount,
      item.ledgerId,
      item.code,
      item.flags,
      item.timeoutSeconds,
      item.userData,
      code,
      set.failedAtMs,
    );
  }
  for (const [id, debitsPosted, creditsPosted, debitsPending, creditsPending] of set.accounts) {
    statements.updateAccount.run(debitsPosted, creditsPosted, debitsPending, creditsPending, id);
  }
  statements.setHead.run(set.head.seq, set.head.hash);
}
