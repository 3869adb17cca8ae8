// The ledger service: the only way any module moves money. Institutions, ledgers and accounts
// are created here; transfers go through validation and the group-commit writer.
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.js';
import { ok, problem, type Result } from '../shared/result.js';
import type { Schema } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { queryTemplate, type Param } from '../store/templates.js';
import { auditLedger, type AuditReport } from './audit.js';
import { accountFromRow, transferFromRow } from './rows.js';
import { createBatchEngine } from './engine.js';
import { useWriteThread } from '../store/atomic.js';
import {
  ACCOUNT_FLAGS_ALL,
  INSTITUTION_KINDS,
  TransferFlags,
  expiryVoidId,
  type Account,
  type Institution,
  type InstitutionKind,
  type Ledger,
  type Transfer,
  type TransferRequest,
  type TransferResult,
} from './types.js';
import { CALL_TRANSFERS_MAX, CODE_MAX, validateCall, validateTransfer, type BatchItem } from './validate.js';
import { createLedgerWriter, DEFAULT_WRITER_OPTIONS, type WriterOptions, type WriterStats } from './writer.js';

export interface NewAccount {
  /** Optional unique name (e.g. `wallet:user:42`): creating it again returns the same account. */
  key?: string;
  institutionId: string;
  ledgerId: number;
  code: number;
  ownerRef?: string;
  flags?: number;
}

export type AccountError = 'institution_not_found' | 'ledger_not_found' | 'invalid_account' | 'account_key_conflict';
export type SetupError = 'invalid_institution' | 'invalid_ledger' | 'conflict';

export interface HistoryPage {
  /** Newest first. */
  transfers: Transfer[];
  /** Pass as `beforeSeq` for the next (older) page; null when this was the last one. */
  nextBeforeSeq: bigint | null;
}

export const HISTORY_PAGE_MAX = 1_000;
/** Expired pending transfers voided per sweep, at most. */
export const EXPIRY_SWEEP_MAX = 1_000;

/**
 * Pending transfers past their timeout, soonest first, through the partial index
 * transfers_expiring (src/store/migrations.test.ts checks the plan).
 */
export const expiredPendingTransfers = (db: Kysely<Schema>, nowMs: bigint, limit: number) =>
  db
    .selectFrom('transfers')
    .select(['id'])
    .where('pending_status', '=', 'pending')
    .where('expires_at_ms', 'is not', null)
    .where('expires_at_ms', '<=', nowMs)
    .orderBy('expires_at_ms')
    .limit(limit);

export interface LedgerService {
  createInstitution(input: Institution): Promise<Result<Institution, SetupError>>;
  createLedger(input: Ledger): Promise<Result<Ledger, SetupError>>;
  getLedger(id: number): Promise<Ledger | null>;
  createAccount(input: NewAccount): Promise<Result<Account, AccountError>>;
  getAccount(id: bigint): Promise<Account | null>;
  getAccountByKey(key: string): Promise<Account | null>;
  /** Applies a call's transfers (linked chains whole) and returns one result per transfer. */
  transfer(requests: readonly TransferRequest[]): Promise<TransferResult[]>;
  transferOne(request: TransferRequest): Promise<TransferResult>;
  getTransfer(id: string): Promise<Transfer | null>;
  /** An account's transfers, newest first, in pages; `beforeSeq` is the previous page's cursor. */
  history(accountId: bigint, options?: { beforeSeq?: bigint; limit?: number }): Promise<HistoryPage>;
  /** Voids pending transfers whose timeout has passed; returns how many it voided. */
  expireDue(): Promise<number>;
  audit(): Promise<AuditReport>;
  writerStats(): WriterStats;
  /** Waits for every queued transfer to be applied. */
  drain(): Promise<void>;
  /** Refuses new transfers and drains the queue. */
  close(): Promise<void>;
}

export interface LedgerDeps {
  store: Store;
  clock: Clock;
  writer?: Partial<WriterOptions>;
}

const accountByKey = queryTemplate((db, p: Param<{ key: string }>) =>
  db.selectFrom('accounts').selectAll().where('key', '=', p('key')),
);

export function createLedgerService({ store, clock, writer: writerOptions }: LedgerDeps): LedgerService {
  const { db } = store;
  const nowMs = () => BigInt(clock.nowMs());
  const engine = createBatchEngine(store);
  // While the write thread runs, the application's write units go through it too.
  if (engine.units) useWriteThread(store, engine.units);
  const writer = createLedgerWriter(engine, nowMs, {
    ...DEFAULT_WRITER_OPTIONS,
    ...writerOptions,
  });

  async function submit(requests: readonly TransferRequest[], allowSystemIds: boolean): Promise<TransferResult[]> {
    if (requests.length > CALL_TRANSFERS_MAX) {
      throw new RangeError(`one call carries at most ${CALL_TRANSFERS_MAX} transfers, not ${requests.length}`);
    }
    if (requests.length === 1) return submitOne(requests[0]!, allowSystemIds);
    const { items, refusals } = validateCall(requests, allowSystemIds);
    const accepted = items.filter((item): item is BatchItem => item !== null);
    const applied = accepted.length > 0 ? await writer.submit(accepted) : [];
    let next = 0;
    return requests.map((request, index): TransferResult => {
      const refusal = refusals[index];
      if (refusal) return { id: String(request.id), code: refusal, replayed: false };
      return applied[next++]!;
    });
  }

  /** The common case, one transfer, without the bookkeeping a chain needs. */
  async function submitOne(request: TransferRequest, allowSystemIds: boolean): Promise<TransferResult[]> {
    const checked = validateTransfer(request, allowSystemIds);
    if (!checked.ok) return [{ id: String(request.id), code: checked.code, replayed: false }];
    if ((checked.item.flags & TransferFlags.linked) !== 0) {
      return [{ id: checked.item.id, code: 'linked_event_chain_open', replayed: false }];
    }
    return writer.submit([checked.item]);
  }

  const service: LedgerService = {
    async createInstitution(input) {
      if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(input.id) || !INSTITUTION_KINDS.includes(input.kind) || !input.name) {
        return problem(
          'invalid_institution',
          'an institution needs an id (a-z, 0-9, _ and -), a name and a known kind',
        );
      }
      await db
        .insertInto('institutions')
        .values({ id: input.id, name: input.name, kind: input.kind, created_at_ms: nowMs() })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
      const row = await db.selectFrom('institutions').selectAll().where('id', '=', input.id).executeTakeFirstOrThrow();
      const stored: Institution = { id: row.id, name: row.name, kind: row.kind as InstitutionKind };
      if (stored.name !== input.name || stored.kind !== input.kind) {
        return problem('conflict', `institution ${input.id} already exists with another name or kind`);
      }
      return ok(stored);
    },

    async createLedger(input) {
      const valid =
        Number.isInteger(input.id) &&
        input.id > 0 &&
        /^[A-Z]{3}$/.test(input.currency) &&
        Number.isInteger(input.scale);
      if (!valid || input.scale < 0 || input.scale > 18) {
        return problem(
          'invalid_ledger',
          'a ledger needs a positive integer id, an ISO 4217 currency and a scale of 0–18',
        );
      }
      const sameCurrency = await db
        .selectFrom('ledgers')
        .select('id')
        .where('currency', '=', input.currency)
        .executeTakeFirst();
      if (sameCurrency && Number(sameCurrency.id) !== input.id) {
        return problem('conflict', `currency ${input.currency} already has ledger ${sameCurrency.id}`);
      }
      await db
        .insertInto('ledgers')
        .values(input)
        .onConflict((conflict) => conflict.doNothing())
        .execute();
      const stored = await service.getLedger(input.id);
      if (!stored || stored.currency !== input.currency || stored.scale !== input.scale) {
        return problem('conflict', `ledger ${input.id} already exists with another currency or scale`);
      }
      return ok(stored);
    },

    async getLedger(id) {
      const row = await db.selectFrom('ledgers').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? { id: Number(row.id), currency: row.currency, scale: Number(row.scale), name: row.name } : null;
    },

    createAccount: (input) => createAccount(store, nowMs(), input),

    async getAccount(id) {
      const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? accountFromRow(row) : null;
    },

    async getAccountByKey(key) {
      const row = await accountByKey.first(store, { key });
      return row ? accountFromRow(row) : null;
    },

    transfer: (requests) => submit(requests, false),

    async transferOne(request) {
      const [result] = await submit([request], false);
      return result!;
    },

    async getTransfer(id) {
      const row = await db.selectFrom('transfers').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? transferFromRow(row) : null;
    },

    async history(accountId, options = {}) {
      const limit = Math.min(Math.max(options.limit ?? 100, 1), HISTORY_PAGE_MAX);
      const head = await db.selectFrom('accounts').select('last_seq').where('id', '=', accountId).executeTakeFirst();
      if (!head) return { transfers: [], nextBeforeSeq: null };
      const journalRow = async (seq: bigint) => {
        const row = await db.selectFrom('transfers').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
        return transferFromRow(row);
      };
      // Each row links to the account's previous one: a page is `limit` look-ups by seq, no scan.
      const previous = (transfer: Transfer) =>
        transfer.debitAccountId === accountId ? transfer.debitPrevSeq : transfer.creditPrevSeq;
      let next = BigInt(head.last_seq);
      if (options.beforeSeq !== undefined) {
        const beforeSeq = options.beforeSeq;
        const cursor = beforeSeq > 0n && beforeSeq <= next ? await journalRow(beforeSeq).catch(() => null) : null;
        if (cursor && (cursor.debitAccountId === accountId || cursor.creditAccountId === accountId)) {
          next = previous(cursor);
        } else {
          // Not a cursor from this account's pages: walk from the newest row to the first one before it.
          while (next >= beforeSeq && next > 0n) next = previous(await journalRow(next));
        }
      }
      const transfers: Transfer[] = [];
      while (next > 0n && transfers.length < limit) {
        const transfer = await journalRow(next);
        transfers.push(transfer);
        next = previous(transfer);
      }
      return { transfers, nextBeforeSeq: next > 0n ? transfers.at(-1)!.seq : null };
    },

    async expireDue() {
      const due = await expiredPendingTransfers(db, nowMs(), EXPIRY_SWEEP_MAX).execute();
      const results = await Promise.all(
        due.map(({ id }) =>
          submit([{ id: expiryVoidId(id), pendingId: id, flags: TransferFlags.voidPending }], true).then(([r]) => r!),
        ),
      );
      return results.filter((result) => result.code === 'ok' && !result.replayed).length;
    },

    audit: () => auditLedger(store),
    writerStats: () => writer.stats(),
    drain: () => writer.drain(),
    close: async () => {
      if (engine.units) useWriteThread(store, null);
      await writer.close();
    },
  };
  return service;
}

async function createAccount(store: Store, nowMs: bigint, input: NewAccount): Promise<Result<Account, AccountError>> {
  const flags = input.flags ?? 0;
  const validFlags = Number.isInteger(flags) && flags >= 0 && (flags & ~ACCOUNT_FLAGS_ALL) === 0 && (flags & 3) !== 3;
  const validCode = Number.isInteger(input.code) && input.code >= 0 && input.code <= CODE_MAX;
  if (!validFlags || !validCode || (input.key !== undefined && !input.key)) {
    return problem(
      'invalid_account',
      'an account needs a code of 0–65535 and flags the ledger knows (not both limits at once)',
    );
  }
  const { db } = store;
  const institution = await db
    .selectFrom('institutions')
    .select('id')
    .where('id', '=', input.institutionId)
    .executeTakeFirst();
  if (!institution) return problem('institution_not_found', `no institution ${input.institutionId}`);
  const ledger = await db.selectFrom('ledgers').select('id').where('id', '=', input.ledgerId).executeTakeFirst();
  if (!ledger) return problem('ledger_not_found', `no ledger ${input.ledgerId}`);
  const values = {
    key: input.key ?? null,
    institution_id: input.institutionId,
    ledger_id: input.ledgerId,
    code: input.code,
    owner_ref: input.ownerRef ?? null,
    flags,
    created_at_ms: nowMs,
  };
  if (input.key === undefined) {
    const row = await db.insertInto('accounts').values(values).returningAll().executeTakeFirstOrThrow();
    return ok(accountFromRow(row));
  }
  await db
    .insertInto('accounts')
    .values(values)
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('accounts').selectAll().where('key', '=', input.key).executeTakeFirstOrThrow();
  const account = accountFromRow(row);
  const same =
    account.institutionId === input.institutionId &&
    account.ledgerId === input.ledgerId &&
    account.code === input.code &&
    account.ownerRef === (input.ownerRef ?? null) &&
    account.flags === flags;
  return same ? ok(account) : problem('account_key_conflict', `account ${input.key} already exists with other fields`);
}

/** Balance a holder can spend: credits posted less debits posted and reserved. */
export const availableBalance = (account: Account): bigint =>
  account.creditsPosted - account.debitsPosted - account.debitsPending;
