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
  accounts: [
    id: bigint,
    debitsPosted: bigint,
    creditsPosted: bigint,
    debitsPending: bigint,
    creditsPending: bigint,
    lastSeq: bigint,
  ][];
  head: { seq: bigint; hash: string };
}

/**
 * A write set packed for the trip to the write thread: numbers in typed arrays whose buffers
 * are handed over rather than copied, text in plain arrays. About a tenth of the cost of
 * cloning the row objects, which matters at thousands of rows per batch.
 */
export interface PackedWriteSet {
  /** Per row: seq, debit, credit, amount, createdAtMs, expiresAtMs (-1 for none), debitPrevSeq, creditPrevSeq. */
  rowNumbers: BigInt64Array;
  /** Per row: ledger, code, flags, timeoutSeconds. */
  rowSmallNumbers: Int32Array;
  /** Per row: id, pendingId, userData, pendingStatus, hash. */
  rowTexts: (string | null)[];
  statuses: [id: string, status: string][];
  failures: FailureRecord[];
  failedAtMs: bigint;
  /** Per account: id, debitsPosted, creditsPosted, debitsPending, creditsPending, lastSeq. */
  accounts: BigInt64Array;
  head: { seq: bigint; hash: string };
}

const ROW_NUMBERS = 8;
const ROW_SMALL_NUMBERS = 4;
const ROW_TEXTS = 5;
const ACCOUNT_NUMBERS = 6;

export function packWriteSet(set: WriteSet): { packed: PackedWriteSet; transfer: ArrayBuffer[] } {
  const count = set.rows.length;
  const rowNumbers = new BigInt64Array(count * ROW_NUMBERS);
  const rowSmallNumbers = new Int32Array(count * ROW_SMALL_NUMBERS);
  const rowTexts: (string | null)[] = new Array<string | null>(count * ROW_TEXTS).fill(null);
  // Plain indexed stores: a temporary array per row for .set() cost more than the copy itself.
  for (let index = 0; index < count; index++) {
    const row = set.rows[index]!;
    const numbers = index * ROW_NUMBERS;
    rowNumbers[numbers] = row.seq;
    rowNumbers[numbers + 1] = row.debitAccountId;
    rowNumbers[numbers + 2] = row.creditAccountId;
    rowNumbers[numbers + 3] = row.amount;
    rowNumbers[numbers + 4] = row.createdAtMs;
    rowNumbers[numbers + 5] = row.expiresAtMs ?? -1n;
    rowNumbers[numbers + 6] = row.debitPrevSeq;
    rowNumbers[numbers + 7] = row.creditPrevSeq;
    const small = index * ROW_SMALL_NUMBERS;
    rowSmallNumbers[small] = row.ledgerId;
    rowSmallNumbers[small + 1] = row.code;
    rowSmallNumbers[small + 2] = row.flags;
    rowSmallNumbers[small + 3] = row.timeoutSeconds;
    const texts = index * ROW_TEXTS;
    rowTexts[texts] = row.id;
    rowTexts[texts + 1] = row.pendingId;
    rowTexts[texts + 2] = row.userData;
    rowTexts[texts + 3] = row.pendingStatus;
    rowTexts[texts + 4] = row.hash;
  }
  const accounts = new BigInt64Array(set.accounts.length * ACCOUNT_NUMBERS);
  set.accounts.forEach((account, index) => {
    for (let field = 0; field < ACCOUNT_NUMBERS; field++) accounts[index * ACCOUNT_NUMBERS + field] = account[field]!;
  });
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
  for (let index = 0; index < small.length / ROW_SMALL_NUMBERS; index++) {
    const [seq, debitAccountId, creditAccountId, amount, createdAtMs, expiresAtMs, debitPrevSeq, creditPrevSeq] =
      numbers.subarray(index * ROW_NUMBERS, (index + 1) * ROW_NUMBERS);
    const [ledgerId, code, flags, timeoutSeconds] = small.subarray(
      index * ROW_SMALL_NUMBERS,
      (index + 1) * ROW_SMALL_NUMBERS,
    );
    const [id, pendingId, userData, pendingStatus, hash] = texts.slice(index * ROW_TEXTS, (index + 1) * ROW_TEXTS);
    rows.push({
      seq: seq!,
      id: id!,
      debitAccountId: debitAccountId!,
      creditAccountId: creditAccountId!,
      amount: amount!,
      pendingId: pendingId ?? null,
      ledgerId: ledgerId!,
      code: code!,
      flags: flags!,
      timeoutSeconds: timeoutSeconds!,
      userData: userData ?? null,
      createdAtMs: createdAtMs!,
      pendingStatus: pendingStatus as TransferRow['pendingStatus'],
      expiresAtMs: expiresAtMs! < 0n ? null : expiresAtMs!,
      hash: hash!,
      debitPrevSeq: debitPrevSeq!,
      creditPrevSeq: creditPrevSeq!,
    });
  }
  const accounts: WriteSet['accounts'] = [];
  for (let index = 0; index < packed.accounts.length; index += ACCOUNT_NUMBERS) {
    const [id, debitsPosted, creditsPosted, debitsPending, creditsPending, lastSeq] = packed.accounts.subarray(
      index,
      index + ACCOUNT_NUMBERS,
    );
    accounts.push([id!, debitsPosted!, creditsPosted!, debitsPending!, creditsPending!, lastSeq!]);
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
         flags, timeout_seconds, user_data, created_at_ms, pending_status, expires_at_ms, hash, debit_prev_seq, credit_prev_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertFailure: db.prepare(
      `INSERT INTO transfer_failures (id, pending_id, debit_account_id, credit_account_id, amount, ledger_id, code,
         flags, timeout_seconds, user_data, result, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateAccount: db.prepare(
      `UPDATE accounts SET debits_posted = ?, credits_posted = ?, debits_pending = ?, credits_pending = ?,
         last_seq = ? WHERE id = ?`,
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
      row.debitPrevSeq,
      row.creditPrevSeq,
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
  for (const [id, debitsPosted, creditsPosted, debitsPending, creditsPending, lastSeq] of set.accounts) {
    statements.updateAccount.run(debitsPosted, creditsPosted, debitsPending, creditsPending, lastSeq, id);
  }
  statements.setHead.run(set.head.seq, set.head.hash);
}
