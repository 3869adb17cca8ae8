// The audit: proves the books from the journal alone. It walks every transfer in order,
// checks the hash chain, replays the balances and compares them with the stored ones, checks
// that debits equal credits in every ledger and that no flagged account is past its limit.
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Schema } from '../store/schema.js';
import { openSqliteConnection, type Store } from '../store/store.js';
import { GENESIS_HASH, chainHash } from './hash.js';
import { accountFromRow, transferFromRow } from './rows.js';
import { AccountFlags, TransferFlags, type Account, type Transfer } from './types.js';

export interface AuditProblem {
  code:
    | 'ledger_unbalanced'
    | 'limit_broken'
    | 'hash_chain_broken'
    | 'journal_gap'
    | 'journal_head_mismatch'
    | 'balance_mismatch'
    | 'pending_status_mismatch'
    | 'unknown_account'
    | 'history_link_broken';
  message: string;
}

export interface LedgerTotals {
  ledgerId: number;
  accounts: number;
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

export interface AuditReport {
  ok: boolean;
  accounts: number;
  transfers: number;
  ledgers: LedgerTotals[];
  problems: AuditProblem[];
  /** Problems past this many are counted, not listed. */
  problemsNotListed: number;
}

const PAGE_ROWS = 5_000;
const PROBLEMS_LISTED_MAX = 100;

type Balances = [debitsPosted: bigint, creditsPosted: bigint, debitsPending: bigint, creditsPending: bigint];

/**
 * Audits one consistent snapshot of the books, so that it can run while transfers flow:
 * PostgreSQL in a REPEATABLE READ transaction; a SQLite file in a read transaction on a
 * connection of its own. (':memory:' has no second connection; it is for tests, audited idle.)
 */
export async function auditLedger(store: Store): Promise<AuditReport> {
  if (store.kind === 'postgres') {
    return store.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute((snapshot) => auditBooks(snapshot));
  }
  if (store.sqlitePath === null || store.sqlitePath === ':memory:' || store.sqlitePath === '')
    return auditBooks(store.db);
  const connection = openSqliteConnection(store.sqlitePath);
  const snapshot = new Kysely<Schema>({ dialect: new SqliteDialect({ database: connection }) });
  try {
    await sql`BEGIN`.execute(snapshot);
    return await auditBooks(snapshot);
  } finally {
    await sql`ROLLBACK`.execute(snapshot).catch(() => undefined);
    await snapshot.destroy();
    if (connection.open) connection.close();
  }
}

async function auditBooks(db: Kysely<Schema>): Promise<AuditReport> {
  const problems: AuditProblem[] = [];
  let problemsNotListed = 0;
  const report = (code: AuditProblem['code'], message: string) => {
    if (problems.length < PROBLEMS_LISTED_MAX) problems.push({ code, message });
    else problemsNotListed++;
  };
  const replay = await replayJournal(db, report);
  const { accounts, ledgers } = await checkAccounts(db, replay.balances, replay.lastSeqs, report);
  for (const accountId of replay.balances.keys()) {
    if (!accounts.has(accountId))
      report('unknown_account', `the journal moves money for account ${accountId}, which does not exist`);
  }
  return {
    ok: problems.length === 0,
    accounts: accounts.size,
    transfers: replay.transfers,
    ledgers,
    problems,
    problemsNotListed,
  };
}

interface PendingReplay {
  transfer: Transfer;
  resolvedAs: 'posted' | 'voided' | 'expired' | null;
}

async function replayJournal(db: Kysely<Schema>, report: (code: AuditProblem['code'], message: string) => void) {
  const balances = new Map<bigint, Balances>();
  /** Each account's latest row so far: what the next row of the account must link back to. */
  const lastSeqs = new Map<bigint, bigint>();
  const pendings = new Map<string, PendingReplay>();
  const balanceOf = (id: bigint): Balances => {
    let entry = balances.get(id);
    if (!entry) balances.set(id, (entry = [0n, 0n, 0n, 0n]));
    return entry;
  };
  let previousHash = GENESIS_HASH;
  let expectedSeq = 1n;
  let transfers = 0;
  let chainBroken = false;
  for (let afterSeq = 0n; ;) {
    const rows = await db
      .selectFrom('transfers')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(PAGE_ROWS)
      .execute();
    for (const row of rows) {
      const transfer = transferFromRow(row);
      transfers++;
      if (transfer.seq !== expectedSeq) {
        report('journal_gap', `journal row ${expectedSeq} is missing (next row is ${transfer.seq})`);
        chainBroken = true;
      }
      expectedSeq = transfer.seq + 1n;
      if (!chainBroken && chainHash(previousHash, transfer) !== transfer.hash) {
        report(
          'hash_chain_broken',
          `journal row ${transfer.seq} (transfer ${transfer.id}) does not match its hash: it was changed outside the ledger`,
        );
        chainBroken = true;
      }
      previousHash = transfer.hash;
      applyToBalances(transfer, balanceOf, pendings, report);
      checkHistoryLinks(transfer, lastSeqs, report);
    }
    if (rows.length < PAGE_ROWS) break;
    afterSeq = transferFromRow(rows.at(-1)!).seq;
  }
  const head = await db.selectFrom('journal_head').selectAll().executeTakeFirst();
  if (!head || BigInt(head.seq) !== expectedSeq - 1n || head.hash !== previousHash) {
    report(
      'journal_head_mismatch',
      `the journal head (row ${head?.seq}) does not match the last journal row (${expectedSeq - 1n})`,
    );
  }
  for (const { transfer, resolvedAs } of pendings.values()) {
    const expected = resolvedAs ?? 'pending';
    if (transfer.pendingStatus !== expected) {
      report(
        'pending_status_mismatch',
        `pending transfer ${transfer.id} says ${transfer.pendingStatus} but the journal says ${expected}`,
      );
    }
  }
  return { balances, lastSeqs, transfers };
}

function applyToBalances(
  transfer: Transfer,
  balanceOf: (id: bigint) => Balances,
  pendings: Map<string, PendingReplay>,
  report: (code: AuditProblem['code'], message: string) => void,
): void {
  const debit = balanceOf(transfer.debitAccountId);
  const credit = balanceOf(transfer.creditAccountId);
  if ((transfer.flags & TransferFlags.pending) !== 0) {
    debit[2] += transfer.amount;
    credit[3] += transfer.amount;
    pendings.set(transfer.id, { transfer, resolvedAs: null });
    return;
  }
  if ((transfer.flags & (TransferFlags.postPending | TransferFlags.voidPending)) === 0) {
    debit[0] += transfer.amount;
    credit[1] += transfer.amount;
    return;
  }
  const pending = pendings.get(transfer.pendingId ?? '');
  if (!pending || pending.resolvedAs !== null) {
    report(
      'pending_status_mismatch',
      `transfer ${transfer.id} resolves ${transfer.pendingId}, which is not an open pending transfer`,
    );
    return;
  }
  debit[2] -= pending.transfer.amount;
  credit[3] -= pending.transfer.amount;
  if ((transfer.flags & TransferFlags.postPending) !== 0) {
    debit[0] += transfer.amount;
    credit[1] += transfer.amount;
    pending.resolvedAs = 'posted';
  } else {
    pending.resolvedAs = transfer.id.startsWith('saoma:expire:') ? 'expired' : 'voided';
  }
}

/** Every row links to the previous row of each of its two accounts: the history chains. */
function checkHistoryLinks(
  transfer: Transfer,
  lastSeqs: Map<bigint, bigint>,
  report: (code: AuditProblem['code'], message: string) => void,
): void {
  const sides: [bigint, bigint][] = [
    [transfer.debitAccountId, transfer.debitPrevSeq],
    [transfer.creditAccountId, transfer.creditPrevSeq],
  ];
  for (const [accountId, linked] of sides) {
    const expected = lastSeqs.get(accountId) ?? 0n;
    if (linked !== expected) {
      report(
        'history_link_broken',
        `journal row ${transfer.seq} links account ${accountId} to row ${linked}, not ${expected}`,
      );
    }
    lastSeqs.set(accountId, transfer.seq);
  }
}

async function checkAccounts(
  db: Kysely<Schema>,
  replayed: Map<bigint, Balances>,
  lastSeqs: Map<bigint, bigint>,
  report: (code: AuditProblem['code'], message: string) => void,
) {
  const accounts = new Set<bigint>();
  const totals = new Map<number, LedgerTotals>();
  for (let afterId = 0n; ;) {
    const rows = await db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(PAGE_ROWS)
      .execute();
    for (const row of rows) {
      const account = accountFromRow(row);
      accounts.add(account.id);
      addToTotals(totals, account);
      checkLimit(account, report);
      if (account.lastSeq !== (lastSeqs.get(account.id) ?? 0n)) {
        report(
          'history_link_broken',
          `account ${account.id} says its latest journal row is ${account.lastSeq}, the journal says ${lastSeqs.get(account.id) ?? 0n}`,
        );
      }
      const expected = replayed.get(account.id) ?? [0n, 0n, 0n, 0n];
      const stored: Balances = [
        account.debitsPosted,
        account.creditsPosted,
        account.debitsPending,
        account.creditsPending,
      ];
      if (stored.some((value, index) => value !== expected[index])) {
        report(
          'balance_mismatch',
          `account ${account.id} holds ${stored.join('/')} (debits/credits posted, debits/credits pending) but its journal adds up to ${expected.join('/')}`,
        );
      }
    }
    if (rows.length < PAGE_ROWS) break;
    afterId = BigInt(rows.at(-1)!.id);
  }
  for (const ledger of totals.values()) {
    if (ledger.debitsPosted !== ledger.creditsPosted || ledger.debitsPending !== ledger.creditsPending) {
      report(
        'ledger_unbalanced',
        `ledger ${ledger.ledgerId}: debits ${ledger.debitsPosted} posted / ${ledger.debitsPending} pending, credits ${ledger.creditsPosted} posted / ${ledger.creditsPending} pending`,
      );
    }
  }
  return { accounts, ledgers: [...totals.values()].sort((a, b) => a.ledgerId - b.ledgerId) };
}

function addToTotals(totals: Map<number, LedgerTotals>, account: Account): void {
  let ledger = totals.get(account.ledgerId);
  if (!ledger) {
    ledger = {
      ledgerId: account.ledgerId,
      accounts: 0,
      debitsPosted: 0n,
      creditsPosted: 0n,
      debitsPending: 0n,
      creditsPending: 0n,
    };
    totals.set(account.ledgerId, ledger);
  }
  ledger.accounts++;
  ledger.debitsPosted += account.debitsPosted;
  ledger.creditsPosted += account.creditsPosted;
  ledger.debitsPending += account.debitsPending;
  ledger.creditsPending += account.creditsPending;
}

function checkLimit(account: Account, report: (code: AuditProblem['code'], message: string) => void): void {
  if (
    (account.flags & AccountFlags.debitsMustNotExceedCredits) !== 0 &&
    account.debitsPosted + account.debitsPending > account.creditsPosted
  ) {
    report(
      'limit_broken',
      `account ${account.id} must not spend more than it holds, but its debits exceed its credits`,
    );
  }
  if (
    (account.flags & AccountFlags.creditsMustNotExceedDebits) !== 0 &&
    account.creditsPosted + account.creditsPending > account.debitsPosted
  ) {
    report('limit_broken', `account ${account.id} must not hold more than it owes, but its credits exceed its debits`);
  }
}
