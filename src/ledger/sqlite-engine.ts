// Applies one batch of transfers to SQLite inside one database transaction (group commit).
// The rules here are the ledger's rules; the PostgreSQL batch function (postgres-schema.ts)
// implements the same ones in PL/pgSQL, and one conformance suite holds both to them.
import type BetterSqlite3 from 'better-sqlite3';
import { chainHash } from './hash.js';
import { AMOUNT_MAX, AccountFlags, TransferFlags, expiryVoidId, type TransferResult, type TransferResultCode } from './types.js';
import type { BatchItem } from './validate.js';

interface AccountState {
  id: bigint;
  ledgerId: number;
  flags: number;
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
  dirty: boolean;
}

/** A transfer row as stored, or about to be. */
interface TransferRow {
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

interface FailureRow {
  item: BatchItem;
  code: TransferResultCode;
}

export interface SqliteBatchEngine {
  /** Applies the items (whole linked chains only) and returns one result per item, in order. */
  apply(items: readonly BatchItem[], nowMs: bigint): TransferResult[];
}

/** Accounts kept in memory between batches, at most; past it the cache starts again empty. */
const ACCOUNT_CACHE_MAX = 262_144;

/**
 * The engine keeps the accounts it has read between batches, so a busy account is read once,
 * not once per batch. That is safe because this process's writer is the only writer of
 * balances on this connection; if another connection commits to the file, SQLite's
 * `data_version` changes and the cache is dropped. A batch that fails drops it too.
 */
export function createSqliteBatchEngine(db: BetterSqlite3.Database): SqliteBatchEngine {
  const statements = prepareStatements(db);
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  const cache = new Map<bigint, AccountState>();
  let seenVersion: unknown = null;
  const run = db.transaction((items: readonly BatchItem[], nowMs: bigint) => {
    const version = dataVersion.get();
    if (version !== seenVersion || cache.size > ACCOUNT_CACHE_MAX) cache.clear();
    seenVersion = version;
    return applyBatch(statements, cache, items, nowMs);
  });
  return {
    apply(items, nowMs) {
      try {
        return run.immediate(items, nowMs);
      } catch (error) {
        cache.clear();
        throw error;
      }
    },
  };
}

function prepareStatements(db: BetterSqlite3.Database) {
  return {
    known: db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM transfers WHERE id = ?) OR EXISTS (SELECT 1 FROM transfer_failures WHERE id = ?)`,
      )
      .pluck(),
    account: db.prepare(
      `SELECT id, ledger_id, flags, debits_posted, credits_posted, debits_pending, credits_pending
       FROM accounts WHERE id = ?`,
    ),
    transfer: db.prepare(
      `SELECT seq, id, debit_account_id, credit_account_id, amount, pending_id, ledger_id, code, flags,
              timeout_seconds, user_data, created_at_ms, pending_status, expires_at_ms, hash
       FROM transfers WHERE id = ?`,
    ),
    failure: db.prepare(
      `SELECT id, pending_id, debit_account_id, credit_account_id, amount, ledger_id, code, flags,
              timeout_seconds, user_data, result FROM transfer_failures WHERE id = ?`,
    ),
    head: db.prepare(`SELECT seq, hash FROM journal_head WHERE id = 1`),
    setHead: db.prepare(`UPDATE journal_head SET seq = ?, hash = ? WHERE id = 1`),
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
  };
}
type Statements = ReturnType<typeof prepareStatements>;

/** Everything one batch changes, kept in memory until the batch's end, so a chain can be undone. */
class BatchState {
  /** Accounts this batch touched, by id (null: no such account). */
  readonly accounts = new Map<bigint, AccountState | null>();
  readonly rows: TransferRow[] = [];
  readonly rowsById = new Map<string, TransferRow>();
  readonly failures: FailureRow[] = [];
  /** Pending transfers stored before this batch whose status this batch changed. */
  readonly storedPending = new Map<string, TransferRow>();
  seq: bigint;
  hash: string;

  constructor(
    readonly statements: Statements,
    readonly cache: Map<bigint, AccountState>,
    readonly nowMs: bigint,
  ) {
    const head = statements.head.get() as { seq: bigint; hash: string };
    this.seq = head.seq;
    this.hash = head.hash;
  }

  account(id: bigint): AccountState | null {
    let state = this.accounts.get(id);
    if (state === undefined) {
      state = this.cache.get(id);
      if (state === undefined) {
        const row = this.statements.account.get(id) as Record<string, bigint> | undefined;
        state = row ? accountFromRow(row) : null;
        if (state) this.cache.set(id, state);
      }
      this.accounts.set(id, state);
    }
    return state;
  }

  /** A transfer that moved money, from this batch or from the table. */
  transfer(id: string): TransferRow | null {
    const inBatch = this.rowsById.get(id) ?? this.storedPending.get(id);
    if (inBatch) return inBatch;
    const row = this.statements.transfer.get(id) as Record<string, unknown> | undefined;
    return row ? transferFromRow(row) : null;
  }

  /** Adds a journal row, chained to the one before it. */
  appendRow(
    item: BatchItem,
    fields: Pick<TransferRow, 'debitAccountId' | 'creditAccountId' | 'amount' | 'ledgerId' | 'code' | 'pendingStatus' | 'expiresAtMs'>,
  ): TransferRow {
    const row: TransferRow = {
      seq: this.seq + 1n,
      id: item.id,
      debitAccountId: fields.debitAccountId,
      creditAccountId: fields.creditAccountId,
      amount: fields.amount,
      pendingId: item.pendingId,
      ledgerId: fields.ledgerId,
      code: fields.code,
      flags: item.flags,
      timeoutSeconds: item.timeoutSeconds,
      userData: item.userData,
      createdAtMs: this.nowMs,
      pendingStatus: fields.pendingStatus,
      expiresAtMs: fields.expiresAtMs,
      hash: '',
    };
    row.hash = chainHash(this.hash, row);
    this.seq = row.seq;
    this.hash = row.hash;
    this.rows.push(row);
    this.rowsById.set(row.id, row);
    return row;
  }
}

function accountFromRow(row: Record<string, bigint>): AccountState {
  return {
    id: row.id as bigint,
    ledgerId: Number(row.ledger_id),
    flags: Number(row.flags),
    debitsPosted: row.debits_posted as bigint,
    creditsPosted: row.credits_posted as bigint,
    debitsPending: row.debits_pending as bigint,
    creditsPending: row.credits_pending as bigint,
    dirty: false,
  };
}

function transferFromRow(row: Record<string, unknown>): TransferRow {
  return {
    seq: row.seq as bigint,
    id: row.id as string,
    debitAccountId: row.debit_account_id as bigint,
    creditAccountId: row.credit_account_id as bigint,
    amount: row.amount as bigint,
    pendingId: (row.pending_id as string | null) ?? null,
    ledgerId: Number(row.ledger_id),
    code: Number(row.code),
    flags: Number(row.flags),
    timeoutSeconds: Number(row.timeout_seconds),
    userData: (row.user_data as string | null) ?? null,
    createdAtMs: row.created_at_ms as bigint,
    pendingStatus: row.pending_status as string,
    expiresAtMs: (row.expires_at_ms as bigint | null) ?? null,
    hash: row.hash as string,
  };
}

/** Undo log for one linked chain: balances and statuses as they were before the chain. */
interface ChainMark {
  rows: number;
  seq: bigint;
  hash: string;
  balances: Map<AccountState, [bigint, bigint, bigint, bigint, boolean]>;
  statuses: Map<TransferRow, string>;
}

function applyBatch(
  statements: Statements,
  cache: Map<bigint, AccountState>,
  items: readonly BatchItem[],
  nowMs: bigint,
): TransferResult[] {
  const state = new BatchState(statements, cache, nowMs);
  const results: TransferResult[] = [];
  let chainStart = 0;
  while (chainStart < items.length) {
    let chainEnd = chainStart;
    while ((items[chainEnd]!.flags & TransferFlags.linked) !== 0) chainEnd++;
    assert(chainEnd < items.length, 'a linked chain must end inside its batch');
    results.push(...applyChain(state, items.slice(chainStart, chainEnd + 1)));
    chainStart = chainEnd + 1;
  }
  writeBatch(state);
  return results;
}

function applyChain(state: BatchState, chain: readonly BatchItem[]): TransferResult[] {
  const mark: ChainMark = { rows: state.rows.length, seq: state.seq, hash: state.hash, balances: new Map(), statuses: new Map() };
  const results: TransferResult[] = [];
  let failedAt = -1;
  for (let index = 0; index < chain.length; index++) {
    const result = applyOne(state, chain[index]!, chain.length > 1 ? mark : null);
    results.push(result);
    if (result.code !== 'ok') {
      failedAt = index;
      break;
    }
  }
  if (failedAt < 0) return results;
  if (chain.length > 1) undoChain(state, mark);
  return chain.map((item, index): TransferResult => {
    const own = results[index];
    if (own?.replayed) return own;
    const code: TransferResultCode = index === failedAt ? own!.code : 'linked_event_failed';
    if (code !== 'exists_with_different_fields') state.failures.push({ item, code });
    return { id: item.id, code, replayed: false };
  });
}

function undoChain(state: BatchState, mark: ChainMark): void {
  for (const row of state.rows.splice(mark.rows)) state.rowsById.delete(row.id);
  state.seq = mark.seq;
  state.hash = mark.hash;
  for (const [account, [dp, cp, dpe, cpe, dirty]] of mark.balances) {
    Object.assign(account, { debitsPosted: dp, creditsPosted: cp, debitsPending: dpe, creditsPending: cpe, dirty });
  }
  for (const [row, status] of mark.statuses) row.pendingStatus = status;
}

function remember(mark: ChainMark | null, account: AccountState): void {
  if (mark && !mark.balances.has(account)) {
    mark.balances.set(account, [
      account.debitsPosted,
      account.creditsPosted,
      account.debitsPending,
      account.creditsPending,
      account.dirty,
    ]);
  }
}

function applyOne(state: BatchState, item: BatchItem, mark: ChainMark | null): TransferResult {
  const replay = findReplay(state, item);
  if (replay) return replay;
  const resolves = (item.flags & (TransferFlags.postPending | TransferFlags.voidPending)) !== 0;
  return resolves ? resolvePending(state, item, mark) : moveMoney(state, item, mark);
}

/** The id was used before: same body → the first result; another body → refused. */
function findReplay(state: BatchState, item: BatchItem): TransferResult | null {
  if (!state.rowsById.has(item.id) && state.statements.known.get(item.id, item.id) === 0n) return null;
  const stored = state.transfer(item.id);
  if (stored) {
    const same = sameAsStored(item, stored);
    return same
      ? { id: item.id, code: 'ok', replayed: true, seq: stored.seq, amount: stored.amount }
      : { id: item.id, code: 'exists_with_different_fields', replayed: false };
  }
  const failure = state.statements.failure.get(item.id) as Record<string, unknown> | undefined;
  if (!failure) return null;
  return sameAsFailure(item, failure)
    ? { id: item.id, code: failure.result as TransferResultCode, replayed: true }
    : { id: item.id, code: 'exists_with_different_fields', replayed: false };
}

function sameAsStored(item: BatchItem, row: TransferRow): boolean {
  const resolves = (item.flags & (TransferFlags.postPending | TransferFlags.voidPending)) !== 0;
  const common =
    item.flags === row.flags &&
    item.pendingId === row.pendingId &&
    item.timeoutSeconds === row.timeoutSeconds &&
    item.userData === row.userData;
  if (!common) return false;
  if (!resolves) {
    return (
      item.debitAccountId === row.debitAccountId &&
      item.creditAccountId === row.creditAccountId &&
      item.amount === row.amount &&
      item.ledgerId === row.ledgerId &&
      item.code === row.code
    );
  }
  return (item.amount === 0n || item.amount === row.amount) && (item.code === 0 || item.code === row.code);
}

function sameAsFailure(item: BatchItem, row: Record<string, unknown>): boolean {
  return (
    item.flags === Number(row.flags) &&
    item.pendingId === ((row.pending_id as string | null) ?? null) &&
    item.debitAccountId === row.debit_account_id &&
    item.creditAccountId === row.credit_account_id &&
    item.amount === row.amount &&
    item.ledgerId === Number(row.ledger_id) &&
    item.code === Number(row.code) &&
    item.timeoutSeconds === Number(row.timeout_seconds) &&
    item.userData === ((row.user_data as string | null) ?? null)
  );
}

const fail = (item: BatchItem, code: TransferResultCode): TransferResult => ({ id: item.id, code, replayed: false });

/** An ordinary or pending transfer. */
function moveMoney(state: BatchState, item: BatchItem, mark: ChainMark | null): TransferResult {
  const debit = state.account(item.debitAccountId);
  if (!debit) return fail(item, 'debit_account_not_found');
  const credit = state.account(item.creditAccountId);
  if (!credit) return fail(item, 'credit_account_not_found');
  if (debit.ledgerId !== item.ledgerId || credit.ledgerId !== item.ledgerId) return fail(item, 'ledger_mismatch');
  if ((debit.flags & AccountFlags.closed) !== 0) return fail(item, 'debit_account_closed');
  if ((credit.flags & AccountFlags.closed) !== 0) return fail(item, 'credit_account_closed');
  const pending = (item.flags & TransferFlags.pending) !== 0;
  const limit = checkLimits(debit, credit, item.amount, pending);
  if (limit) return fail(item, limit);
  remember(mark, debit);
  remember(mark, credit);
  if (pending) {
    debit.debitsPending += item.amount;
    credit.creditsPending += item.amount;
  } else {
    debit.debitsPosted += item.amount;
    credit.creditsPosted += item.amount;
  }
  debit.dirty = credit.dirty = true;
  const row = state.appendRow(item, {
    debitAccountId: item.debitAccountId,
    creditAccountId: item.creditAccountId,
    amount: item.amount,
    ledgerId: item.ledgerId,
    code: item.code,
    pendingStatus: pending ? 'pending' : 'none',
    expiresAtMs: pending && item.timeoutSeconds > 0 ? state.nowMs + BigInt(item.timeoutSeconds) * 1000n : null,
  });
  return { id: item.id, code: 'ok', replayed: false, seq: row.seq, amount: row.amount };
}

/**
 * Balances never pass 2^63 − 1, and a flagged account never goes past its limit. Pending debits
 * count against the limit: reserved money is not there to spend twice.
 */
function checkLimits(debit: AccountState, credit: AccountState, amount: bigint, pending: boolean): TransferResultCode | null {
  const debitTotal = pending ? debit.debitsPending : debit.debitsPosted;
  const creditTotal = pending ? credit.creditsPending : credit.creditsPosted;
  if (debitTotal > AMOUNT_MAX - amount || creditTotal > AMOUNT_MAX - amount) return 'balance_overflow';
  if (
    (debit.flags & AccountFlags.debitsMustNotExceedCredits) !== 0 &&
    amount > debit.creditsPosted - debit.debitsPosted - debit.debitsPending
  ) {
    return 'insufficient_funds';
  }
  if (
    (credit.flags & AccountFlags.creditsMustNotExceedDebits) !== 0 &&
    amount > credit.debitsPosted - credit.creditsPosted - credit.creditsPending
  ) {
    return 'credit_limit_exceeded';
  }
  return null;
}

/** Post (fully or partly) or void a pending transfer; an expired one is voided by the ledger itself. */
function resolvePending(state: BatchState, item: BatchItem, mark: ChainMark | null): TransferResult {
  const pending = state.transfer(item.pendingId!);
  if (!pending || (pending.flags & TransferFlags.pending) === 0) return fail(item, 'pending_transfer_not_found');
  if (pending.pendingStatus === 'posted') return fail(item, 'pending_transfer_already_posted');
  if (pending.pendingStatus === 'voided') return fail(item, 'pending_transfer_already_voided');
  if (pending.pendingStatus === 'expired') return fail(item, 'pending_transfer_expired');
  if (pending.pendingStatus !== 'pending') return fail(item, 'pending_transfer_not_pending');
  const expired = pending.expiresAtMs !== null && state.nowMs >= pending.expiresAtMs;
  const isExpiryVoid = expired && item.id === expiryVoidId(pending.id) && (item.flags & TransferFlags.voidPending) !== 0;
  if (expired && !isExpiryVoid) return fail(item, 'pending_transfer_expired');
  const posting = (item.flags & TransferFlags.postPending) !== 0;
  const amount = item.amount === 0n ? pending.amount : item.amount;
  if (posting && amount > pending.amount) return fail(item, 'exceeds_pending_transfer_amount');
  if (!posting && amount !== pending.amount) return fail(item, 'pending_transfer_has_different_amount');
  const debit = state.account(pending.debitAccountId);
  const credit = state.account(pending.creditAccountId);
  assert(debit !== null && credit !== null, 'a pending transfer names accounts that exist');
  if (posting && (debit.debitsPosted > AMOUNT_MAX - amount || credit.creditsPosted > AMOUNT_MAX - amount)) {
    return fail(item, 'balance_overflow');
  }
  remember(mark, debit);
  remember(mark, credit);
  debit.debitsPending -= pending.amount;
  credit.creditsPending -= pending.amount;
  if (posting) {
    debit.debitsPosted += amount;
    credit.creditsPosted += amount;
  }
  debit.dirty = credit.dirty = true;
  if (mark && !mark.statuses.has(pending)) mark.statuses.set(pending, pending.pendingStatus);
  pending.pendingStatus = posting ? 'posted' : isExpiryVoid ? 'expired' : 'voided';
  if (!state.rowsById.has(pending.id)) state.storedPending.set(pending.id, pending);
  const row = state.appendRow(item, {
    debitAccountId: pending.debitAccountId,
    creditAccountId: pending.creditAccountId,
    amount,
    ledgerId: pending.ledgerId,
    code: item.code === 0 ? pending.code : item.code,
    pendingStatus: 'none',
    expiresAtMs: null,
  });
  return { id: item.id, code: 'ok', replayed: false, seq: row.seq, amount };
}

function writeBatch(state: BatchState): void {
  const { statements } = state;
  for (const row of state.rows) {
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
  for (const row of state.storedPending.values()) {
    if (!state.rowsById.has(row.id)) statements.setPendingStatus.run(row.pendingStatus, row.id);
  }
  for (const { item, code } of state.failures) {
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
      state.nowMs,
    );
  }
  for (const account of state.accounts.values()) {
    if (account?.dirty) {
      statements.updateAccount.run(
        account.debitsPosted,
        account.creditsPosted,
        account.debitsPending,
        account.creditsPending,
        account.id,
      );
      account.dirty = false;
    }
  }
  statements.setHead.run(state.seq, state.hash);
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`ledger invariant broken: ${message}`);
}
