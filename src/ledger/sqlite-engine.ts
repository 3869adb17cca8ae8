// Applies batches of transfers to SQLite (group commit). The planner below applies the ledger's
// rules in memory and produces a write set; the PostgreSQL batch function (schema-postgres.ts)
// implements the same rules in PL/pgSQL, and one conformance suite holds both to them.
//
// Two ways to run it. In-thread: plan and write in one transaction on the main connection
// (used for ':memory:' databases). Pipelined, for files: the main thread plans batch N+1 while
// a write thread commits batch N, so JavaScript and fsync overlap on two cores. Callers hear
// "ok" only once their batch is committed. What is planned but not yet committed stays visible
// to the planner through an in-flight overlay, so a replay or a post of a pending transfer
// sees it. If a commit fails, every batch planned on top of it fails too, and the planner
// starts again from what is on disk.
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { chainHash } from './hash.js';
import type { BatchEngine } from './engine.js';
import {
  AMOUNT_MAX,
  AccountFlags,
  TransferFlags,
  expiryVoidId,
  type TransferResult,
  type TransferResultCode,
} from './types.js';
import type { BatchItem } from './validate.js';
import { transferFromRow } from './rows.js';
import {
  executeWrites,
  packWriteSet,
  prepareWrites,
  type FailureRecord,
  type TransferRow,
  type WriteSet,
} from './sqlite-writes.js';
import type { WriteReply, WriteRequest } from './sqlite-write-worker.js';
import { createUnitChannel, type UnitsReply } from '../store/unit-channel.js';

interface AccountState {
  id: bigint;
  ledgerId: number;
  flags: number;
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
  lastSeq: bigint;
  dirty: boolean;
}

/**
 * How often the checkpoint thread copies the write-ahead log into the database file and starts
 * it over (sqlite-checkpoint-worker.ts). Small and often beat large and rare in the half-load tail
 * (bench, 100k transfers: p99 28–36 ms at 100 ms against 29–106 ms at 250 ms and 2 s); with
 * bench pay (then with a RESTART every tick), 100 ms beat 50 (median of 3: 2,426 against 2,012
 * payments/s) and 250. Noisy measurements, a steady trend.
 */
const CHECKPOINT_INTERVAL_MS = 100;

/** Accounts kept in memory between batches, at most; past it the cache starts again empty. */
const ACCOUNT_CACHE_MAX = 262_144;

function prepareReads(db: BetterSqlite3.Database) {
  return {
    known: db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM transfers WHERE id = ?) OR EXISTS (SELECT 1 FROM transfer_failures WHERE id = ?)`,
      )
      .pluck(),
    account: db.prepare(
      `SELECT id, ledger_id, flags, debits_posted, credits_posted, debits_pending, credits_pending, last_seq
       FROM accounts WHERE id = ?`,
    ),
    transfer: db.prepare(
      `SELECT seq, id, debit_account_id, credit_account_id, amount, pending_id, ledger_id, code, flags,
              timeout_seconds, user_data, created_at_ms, pending_status, expires_at_ms, hash, debit_prev_seq,
              credit_prev_seq
       FROM transfers WHERE id = ?`,
    ),
    failure: db.prepare(
      `SELECT id, pending_id, debit_account_id, credit_account_id, amount, ledger_id, code, flags,
              timeout_seconds, user_data, result FROM transfer_failures WHERE id = ?`,
    ),
    head: db.prepare(`SELECT seq, hash FROM journal_head WHERE id = 1`),
  };
}
type Reads = ReturnType<typeof prepareReads>;

/** Rows and refusals planned by batches whose commit has not been confirmed yet. */
class InFlight {
  readonly rows = new Map<string, { row: TransferRow; batch: number }>();
  readonly failures = new Map<string, { record: FailureRecord; batch: number }>();

  add(batch: number, set: WriteSet, changedPending: Iterable<TransferRow>): string[] {
    const ids: string[] = [];
    for (const row of set.rows) {
      this.rows.set(row.id, { row, batch });
      ids.push(row.id);
    }
    for (const row of changedPending) {
      this.rows.set(row.id, { row, batch });
      ids.push(row.id);
    }
    for (const record of set.failures) {
      this.failures.set(record.item.id, { record, batch });
      ids.push(record.item.id);
    }
    return ids;
  }

  /** Forgets what `batch` planned (now on disk), unless a later batch has touched it since. */
  release(batch: number, ids: readonly string[]): void {
    for (const id of ids) {
      if (this.rows.get(id)?.batch === batch) this.rows.delete(id);
      if (this.failures.get(id)?.batch === batch) this.failures.delete(id);
    }
  }

  clear(): void {
    this.rows.clear();
    this.failures.clear();
  }
}

/** What the planner reads from: the main connection, the account cache and the overlay. */
interface PlannerContext {
  reads: Reads;
  cache: Map<bigint, AccountState>;
  inFlight: InFlight | null;
}

/** Everything one batch changes, kept in memory until the batch's end, so a chain can be undone. */
class BatchState {
  readonly touched = new Set<AccountState>();
  readonly rows: TransferRow[] = [];
  readonly rowsById = new Map<string, TransferRow>();
  readonly failures: FailureRecord[] = [];
  /** Pending transfers stored (or planned) before this batch whose status this batch changed. */
  readonly storedPending = new Map<string, TransferRow>();

  constructor(
    readonly context: PlannerContext,
    readonly nowMs: bigint,
    public seq: bigint,
    public hash: string,
  ) {}

  account(id: bigint): AccountState | null {
    let state = this.context.cache.get(id);
    if (state === undefined) {
      const row = this.context.reads.account.get(id) as Record<string, bigint> | undefined;
      if (!row) return null;
      state = accountFromRow(row);
      this.context.cache.set(id, state);
    }
    return state;
  }

  touch(account: AccountState): void {
    account.dirty = true;
    this.touched.add(account);
  }

  isKnown(id: string): boolean {
    if (this.rowsById.has(id)) return true;
    const inFlight = this.context.inFlight;
    if (inFlight && (inFlight.rows.has(id) || inFlight.failures.has(id))) return true;
    return this.context.reads.known.get(id, id) !== 0n;
  }

  /** A transfer that moved money: from this batch, from a batch in flight, or from the table. */
  transfer(id: string): TransferRow | null {
    const inBatch = this.rowsById.get(id) ?? this.storedPending.get(id) ?? this.context.inFlight?.rows.get(id)?.row;
    if (inBatch) return inBatch;
    const row = this.context.reads.transfer.get(id) as Record<string, unknown> | undefined;
    return row ? transferFromRow(row) : null;
  }

  failure(id: string): FailureRecord | null {
    const inFlight = this.context.inFlight?.failures.get(id);
    if (inFlight) return inFlight.record;
    const row = this.context.reads.failure.get(id) as Record<string, unknown> | undefined;
    return row ? failureFromRow(row) : null;
  }

  /** Adds a journal row, chained to the one before it. */
  appendRow(
    item: BatchItem,
    debit: AccountState,
    credit: AccountState,
    fields: Pick<
      TransferRow,
      'debitAccountId' | 'creditAccountId' | 'amount' | 'ledgerId' | 'code' | 'pendingStatus' | 'expiresAtMs'
    >,
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
      debitPrevSeq: debit.lastSeq,
      creditPrevSeq: credit.lastSeq,
    };
    row.hash = chainHash(this.hash, row);
    debit.lastSeq = row.seq;
    credit.lastSeq = row.seq;
    this.seq = row.seq;
    this.hash = row.hash;
    this.rows.push(row);
    this.rowsById.set(row.id, row);
    return row;
  }

  /** The batch's writes; balances are copied, so the cache may move on before they are stored. */
  writeSet(): WriteSet {
    const accounts: WriteSet['accounts'] = [];
    for (const account of this.touched) {
      if (!account.dirty) continue;
      accounts.push([
        account.id,
        account.debitsPosted,
        account.creditsPosted,
        account.debitsPending,
        account.creditsPending,
        account.lastSeq,
      ]);
      account.dirty = false;
    }
    const statuses: WriteSet['statuses'] = [];
    for (const row of this.storedPending.values()) {
      if (!this.rowsById.has(row.id)) statuses.push([row.id, row.pendingStatus]);
    }
    return {
      rows: this.rows,
      statuses,
      failures: this.failures,
      failedAtMs: this.nowMs,
      accounts,
      head: { seq: this.seq, hash: this.hash },
    };
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
    lastSeq: row.last_seq as bigint,
    dirty: false,
  };
}

function failureFromRow(row: Record<string, unknown>): FailureRecord {
  return {
    item: {
      id: row.id as string,
      pendingId: (row.pending_id as string | null) ?? null,
      debitAccountId: row.debit_account_id as bigint,
      creditAccountId: row.credit_account_id as bigint,
      amount: row.amount as bigint,
      ledgerId: Number(row.ledger_id),
      code: Number(row.code),
      flags: Number(row.flags),
      timeoutSeconds: Number(row.timeout_seconds),
      userData: (row.user_data as string | null) ?? null,
    },
    code: row.result as TransferResultCode,
  };
}

/** Undo log for one linked chain: balances and statuses as they were before the chain. */
interface ChainMark {
  rows: number;
  seq: bigint;
  hash: string;
  balances: Map<AccountState, [bigint, bigint, bigint, bigint, bigint, boolean]>;
  statuses: Map<TransferRow, TransferRow['pendingStatus']>;
}

/** Applies the rules to a batch in memory: one result per item, and what to write. */
function planBatch(state: BatchState, items: readonly BatchItem[]): TransferResult[] {
  const results: TransferResult[] = [];
  let chainStart = 0;
  while (chainStart < items.length) {
    let chainEnd = chainStart;
    while ((items[chainEnd]!.flags & TransferFlags.linked) !== 0) chainEnd++;
    assert(chainEnd < items.length, 'a linked chain must end inside its batch');
    results.push(...applyChain(state, items.slice(chainStart, chainEnd + 1)));
    chainStart = chainEnd + 1;
  }
  return results;
}

/** Plan and write in one transaction on the main connection (for ':memory:' databases). */
export function createInThreadSqliteEngine(db: BetterSqlite3.Database): BatchEngine {
  const context: PlannerContext = { reads: prepareReads(db), cache: new Map(), inFlight: null };
  const writes = prepareWrites(db);
  const run = db.transaction((items: readonly BatchItem[], nowMs: bigint) => {
    if (context.cache.size > ACCOUNT_CACHE_MAX) context.cache.clear();
    const head = context.reads.head.get() as { seq: bigint; hash: string };
    const state = new BatchState(context, nowMs, head.seq, head.hash);
    const results = planBatch(state, items);
    executeWrites(writes, state.writeSet());
    return results;
  });
  return {
    pipelineDepth: 1,
    async apply(items, nowMs) {
      try {
        return run.immediate(items, nowMs);
      } catch (error) {
        context.cache.clear();
        throw error;
      }
    },
    async close() {},
  };
}

interface Awaiting {
  epoch: number;
  ids: string[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Plan on the main thread, commit on a write thread. The account cache is the truth for
 * balances while this process is the only writer of the file, which is how Saoma uses SQLite:
 * one server process per database file (PostgreSQL is for several).
 */
export function createPipelinedSqliteEngine(db: BetterSqlite3.Database, path: string): BatchEngine {
  const context: PlannerContext = { reads: prepareReads(db), cache: new Map(), inFlight: new InFlight() };
  const worker = new Worker(new URL('./sqlite-write-worker.js', import.meta.url), { workerData: { path } });
  worker.unref();
  const checkpointer = new Worker(new URL('./sqlite-checkpoint-worker.js', import.meta.url), {
    workerData: { path, intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  checkpointer.unref();
  const awaiting = new Map<number, Awaiting>();
  const settledWaiters: (() => void)[] = [];
  let batch = 0;
  let epoch = 0;
  let head: { seq: bigint; hash: string } | null = null;
  let stopped: Error | null = null;
  // Planning reads in one read transaction: one snapshot, not one implicit transaction per read.
  const plan = db.transaction((state: BatchState, items: readonly BatchItem[]) => {
    const results = planBatch(state, items);
    return { results, set: state.writeSet() };
  });

  const settle = (number: number, error: Error | null) => {
    const entry = awaiting.get(number);
    if (!entry) return;
    awaiting.delete(number);
    context.inFlight!.release(number, entry.ids);
    if (error && entry.epoch === epoch) {
      // Everything planned after this batch was planned on top of it: start again from disk.
      epoch++;
      head = null;
    }
    if (awaiting.size === 0) {
      unrefWhenIdle();
      for (const wake of settledWaiters.splice(0)) wake();
    }
    if (error) entry.reject(error);
    else entry.resolve();
  };
  // The application's write units share the thread (src/store/unit-channel.ts).
  const units = createUnitChannel((message) => {
    worker.ref();
    worker.postMessage(message);
  });
  const unrefWhenIdle = () => {
    if (awaiting.size === 0 && units.pending() === 0) worker.unref();
  };
  worker.on('message', (reply: WriteReply | UnitsReply) => {
    if (reply.kind === 'units') {
      units.settle(reply);
      return unrefWhenIdle();
    }
    settle(reply.batch, reply.ok ? null : new Error(`SQLite commit failed: ${reply.error}`));
  });
  const fail = (error: Error) => {
    stopped = error;
    for (const number of [...awaiting.keys()]) settle(number, error);
    units.failAll(error);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the SQLite write thread stopped (exit code ${code})`)));

  const allSettled = () =>
    awaiting.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => settledWaiters.push(resolve));
  // One reset at a time: calls that arrive while it runs wait for it, then plan in call order.
  let resetting: Promise<void> | null = null;
  const reset = async () => {
    await allSettled();
    context.cache.clear();
    context.inFlight!.clear();
    head = context.reads.head.get() as { seq: bigint; hash: string };
  };

  return {
    pipelineDepth: 2,
    async apply(items, nowMs) {
      if (stopped) throw stopped;
      while (head === null) {
        resetting ??= reset().finally(() => (resetting = null));
        await resetting;
        if (stopped) throw stopped;
      }
      if (awaiting.size === 0 && context.cache.size > ACCOUNT_CACHE_MAX) context.cache.clear();
      const state = new BatchState(context, nowMs, head.seq, head.hash);
      let results: TransferResult[];
      let set: WriteSet;
      try {
        ({ results, set } = plan.deferred(state, items));
      } catch (error) {
        head = null;
        epoch++;
        throw error;
      }
      head = set.head;
      const number = ++batch;
      const ids = context.inFlight!.add(number, set, state.storedPending.values());
      const committed = new Promise<void>((resolve, reject) => awaiting.set(number, { epoch, ids, resolve, reject }));
      worker.ref();
      const { packed, transfer } = packWriteSet(set);
      worker.postMessage({ kind: 'transfers', batch: number, epoch, set: packed } satisfies WriteRequest, transfer);
      await committed;
      return results;
    },
    units,
    async close() {
      await units.drained();
      await allSettled();
      worker.removeAllListeners('exit');
      await worker.terminate();
      await checkpointer.terminate();
    },
  };
}

function applyChain(state: BatchState, chain: readonly BatchItem[]): TransferResult[] {
  const mark: ChainMark = {
    rows: state.rows.length,
    seq: state.seq,
    hash: state.hash,
    balances: new Map(),
    statuses: new Map(),
  };
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
  for (const [account, [dp, cp, dpe, cpe, lastSeq, dirty]] of mark.balances) {
    Object.assign(account, {
      debitsPosted: dp,
      creditsPosted: cp,
      debitsPending: dpe,
      creditsPending: cpe,
      lastSeq,
      dirty,
    });
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
      account.lastSeq,
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
  if (!state.isKnown(item.id)) return null;
  const stored = state.transfer(item.id);
  if (stored) {
    const same = sameAsStored(item, stored);
    return same
      ? { id: item.id, code: 'ok', replayed: true, seq: stored.seq, amount: stored.amount }
      : { id: item.id, code: 'exists_with_different_fields', replayed: false };
  }
  const failure = state.failure(item.id);
  if (!failure) return null;
  return sameItem(item, failure.item)
    ? { id: item.id, code: failure.code, replayed: true }
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

function sameItem(a: BatchItem, b: BatchItem): boolean {
  return (
    a.flags === b.flags &&
    a.pendingId === b.pendingId &&
    a.debitAccountId === b.debitAccountId &&
    a.creditAccountId === b.creditAccountId &&
    a.amount === b.amount &&
    a.ledgerId === b.ledgerId &&
    a.code === b.code &&
    a.timeoutSeconds === b.timeoutSeconds &&
    a.userData === b.userData
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
  state.touch(debit);
  state.touch(credit);
  const row = state.appendRow(item, debit, credit, {
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
function checkLimits(
  debit: AccountState,
  credit: AccountState,
  amount: bigint,
  pending: boolean,
): TransferResultCode | null {
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
  const isExpiryVoid =
    expired && item.id === expiryVoidId(pending.id) && (item.flags & TransferFlags.voidPending) !== 0;
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
  state.touch(debit);
  state.touch(credit);
  if (mark && !mark.statuses.has(pending)) mark.statuses.set(pending, pending.pendingStatus);
  pending.pendingStatus = posting ? 'posted' : isExpiryVoid ? 'expired' : 'voided';
  if (!state.rowsById.has(pending.id)) state.storedPending.set(pending.id, pending);
  const row = state.appendRow(item, debit, credit, {
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

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`ledger invariant broken: ${message}`);
}
