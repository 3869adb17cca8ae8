// What one SQLite batch writes, as plain data: the journal rows, the refusals kept for their
// ids, the new balances and the journal head. The planner (sqlite-engine.ts) decides it; this
// module only stores it, in one transaction, on whichever connection and thread runs it.
import type BetterSqlite3 from 'better-sqlite3';
import type { Transfer, TransferResultCode } from './types.js';
import type { BatchItem } from './validate.js';

/** A transfer row as stored, or about to be. */
export type TransferRow = Transfer;

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

/**
 * A write set packed for the trip to the write thread: numbers in typed arrays whose buffers
 * are handed over rather than copied, text in plain arrays. About a tenth of the cost of
 * cloning the row objects, which matters at thousands of rows per batch.
 */
export interface PackedWriteSet {
  /** Per row: seq, debit, credit, amount, createdAtMs, expiresAtMs (-1 for none). */
  rowNumbers: BigInt64Array;
  /** Per row: ledger, code, flags, timeoutSeconds. */
  rowSmallNumbers: Int32Array;
  /** Per row: id, pendingId, userData, pendingStatus, hash. */
  rowTexts: (string | null)[];
  statuses: [id: string, status: string][];
  failures: FailureRecord[];
  failedAtMs: bigint;
  /** Per account: id, debitsPosted, creditsPosted, debitsPending, creditsPending. */
  accounts: BigInt64Array;
  head: { seq: bigint; hash: string };
}

export function packWriteSet(set: WriteSet): { packed: PackedWriteSet; transfer: ArrayBuffer[] } {
  const count = set.rows.length;
  const rowNumbers = new BigInt64Array(count * 6);
  const rowSmallNumbers = new Int32Array(count * 4);
  const rowTexts: (string | null)[] = new Array<string | null>(count * 5);
  set.rows.forEach((row, index) => {
    rowNumbers.set(
      [row.seq, row.debitAccountId, row.creditAccountId, row.amount, row.createdAtMs, row.expiresAtMs ?? -1n],
      index * 6,
    );
    rowSmallNumbers.set([row.ledgerId, row.code, row.flags, row.timeoutSeconds], index * 4);
    rowTexts[index * 5] = row.id;
    rowTexts[index * 5 + 1] = row.pendingId;
    rowTexts[index * 5 + 2] = row.userData;
    rowTexts[index * 5 + 3] = row.pendingStatus;
    rowTexts[index * 5 + 4] = row.hash;
  });
  const accounts = new BigInt64Array(set.accounts.length * 5);
  set.accounts.forEach((account, index) => accounts.set(account, index * 5));
  const packed = {
    rowNumbers,
    rowSmallNumbers,
    rowTexts,
    statuses: set.statuses,
    failures: set.failures,
    failedAtMs: set.failedAtMs,
    accounts,
    head: set.head,
  };
  return { packed, transfer: [rowNumbers.buffer, rowSmallNumbers.buffer, accounts.buffer] };
}

export function unpackWriteSet(packed: PackedWriteSet): WriteSet {
  const { rowNumbers: numbers, rowSmallNumbers: small, rowTexts: texts } = packed;
  const rows: TransferRow[] = [];
  for (let index = 0; index < small.length / 4; index++) {
    const expiresAtMs = numbers[index * 6 + 5]!;
    rows.push({
      seq: numbers[index * 6]!,
      id: texts[index * 5]!,
      debitAccountId: numbers[index * 6 + 1]!,
      creditAccountId: numbers[index * 6 + 2]!,
      amount: numbers[index * 6 + 3]!,
      pendingId: texts[index * 5 + 1] ?? null,
      ledgerId: small[index * 4]!,
      code: small[index * 4 + 1]!,
      flags: small[index * 4 + 2]!,
      timeoutSeconds: small[index * 4 + 3]!,
      userData: texts[index * 5 + 2] ?? null,
      createdAtMs: numbers[index * 6 + 4]!,
      pendingStatus: texts[index * 5 + 3]! as TransferRow['pendingStatus'],
      expiresAtMs: expiresAtMs < 0n ? null : expiresAtMs,
      hash: texts[index * 5 + 4]!,
    });
  }
  const accounts: WriteSet['accounts'] = [];
  for (let index = 0; index < packed.accounts.length; index += 5) {
    const [id, debitsPosted, creditsPosted, debitsPending, creditsPending] = packed.accounts.subarray(index, index + 5);
    accounts.push([id!, debitsPosted!, creditsPosted!, debitsPending!, creditsPending!]);
  }
  return {
    rows,
    statuses: packed.statuses,
    failures: packed.failures,
    failedAtMs: packed.failedAtMs,
    accounts,
    head: packed.head,
  };
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
