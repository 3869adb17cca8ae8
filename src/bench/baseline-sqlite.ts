// The plain-SQL baseline on SQLite: the same transfers applied by a hand-written batched routine
// with no Saoma code around it — prepared statements, one transaction (one fsync) per batch, a
// balance guard in the debit's WHERE clause, the per-account history links (kept in a Map), and
// no hash chain, idempotency look-up or audit trail.
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { AccountCode, BENCH_INSTITUTION, BENCH_LEDGER, TRANSFER_CODE_PAYMENT } from './book-setup.js';
import type { BenchDatabase } from './bench-database.js';
import type { LoadCounter } from './load.js';
import { planTransferId, totalFundingFen, type TransferPlan } from './transfer-plan.js';

export interface BaselineRun {
  elapsedMs: number;
  batches: number;
}

/** Opens the same book as the ledger's setup, balances written directly; returns ids by position. */
export async function setUpSqliteBaseline(
  database: BenchDatabase,
  plan: TransferPlan,
  nowMs: number,
): Promise<number[]> {
  const store = await database.openForSetup();
  try {
    const db = store.sqlite!;
    const insertAccount = db.prepare(
      `INSERT INTO accounts (institution_id, ledger_id, code, flags, debits_posted, credits_posted, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const open = (code: number, flags: number, debitsFen: number, creditsFen: number) =>
      Number(
        insertAccount.run(BENCH_INSTITUTION.id, BENCH_LEDGER.id, code, flags, debitsFen, creditsFen, nowMs)
          .lastInsertRowid,
      );
    return db.transaction(() => {
      db.prepare('INSERT INTO institutions (id, name, kind, created_at_ms) VALUES (?, ?, ?, ?)').run(
        BENCH_INSTITUTION.id,
        BENCH_INSTITUTION.name,
        BENCH_INSTITUTION.kind,
        nowMs,
      );
      db.prepare('INSERT INTO ledgers (id, currency, scale, name) VALUES (?, ?, ?, ?)').run(
        BENCH_LEDGER.id,
        BENCH_LEDGER.currency,
        BENCH_LEDGER.scale,
        BENCH_LEDGER.name,
      );
      open(AccountCode.source, 0, totalFundingFen(plan), 0);
      const ids = Array.from(plan.walletFundingFen, (fundingFen) => open(AccountCode.wallet, 1, 0, fundingFen));
      ids.push(open(AccountCode.merchant, 1, 0, 0));
      return ids;
    })();
  } finally {
    await store.close();
  }
}

/** Times `apply` over the plan's first `count` transfers in batches of `batchSize`; both baselines use it. */
export async function timeBatches(
  options: { count: number; batchSize: number; counter: LoadCounter },
  apply: (start: number, end: number) => Promise<void>,
): Promise<BaselineRun> {
  const startedMs = performance.now();
  let batches = 0;
  for (let start = 0; start < options.count; start += options.batchSize) {
    const end = Math.min(options.count, start + options.batchSize);
    await apply(start, end);
    batches++;
    options.counter.done = end;
  }
  return { elapsedMs: performance.now() - startedMs, batches };
}

/** Applies the plan's first `count` transfers in batches of `batchSize`, one transaction each. */
export async function runSqliteBaseline(
  database: BenchDatabase,
  plan: TransferPlan,
  accountIds: number[],
  options: { count: number; batchSize: number; nowMs: number; counter: LoadCounter },
): Promise<BaselineRun> {
  const store = await database.open();
  try {
    // The ledger's durability: each batch is on disk before the next begins (the main thread's
    // connection is NORMAL, for the application's own rows; see openSqliteConnection).
    store.sqlite!.pragma('synchronous = FULL');
    const applyBatch = prepareBatch(store.sqlite!, plan, accountIds, options.nowMs);
    return await timeBatches(options, async (start, end) => {
      applyBatch.immediate(start, end);
      // Let the progress and memory sampler run between batches, as the ledger's writer does.
      await new Promise((resolve) => setImmediate(resolve));
    });
  } finally {
    await store.close();
  }
}

function prepareBatch(db: BetterSqlite3.Database, plan: TransferPlan, accountIds: number[], nowMs: number) {
  const debit = db.prepare(
    `UPDATE accounts SET debits_posted = debits_posted + ?, last_seq = ?
     WHERE id = ? AND ((flags & 1) = 0 OR credits_posted - debits_posted - debits_pending >= ?)`,
  );
  const credit = db.prepare('UPDATE accounts SET credits_posted = credits_posted + ?, last_seq = ? WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO transfers (seq, id, debit_account_id, credit_account_id, amount, pending_id, ledger_id, code, flags,
       timeout_seconds, user_data, created_at_ms, pending_status, expires_at_ms, hash, debit_prev_seq, credit_prev_seq)
     VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 0, 0, NULL, ?, 'none', NULL, '', ?, ?)`,
  );
  // The history links, kept as a hand-written routine would: each account's latest row in memory.
  const lastSeq = new Map<number, number>();
  return db.transaction((start: number, end: number) => {
    for (let index = start; index < end; index++) {
      const debitId = accountIds[plan.debitPosition[index]!]!;
      const creditId = accountIds[plan.creditPosition[index]!]!;
      const amountFen = plan.amountFen[index]!;
      const seq = index + 1;
      if (debit.run(amountFen, seq, debitId, amountFen).changes !== 1) {
        throw new Error(`baseline: transfer ${index} found too little money in account ${debitId}`);
      }
      credit.run(amountFen, seq, creditId);
      insert.run(
        seq,
        planTransferId(index),
        debitId,
        creditId,
        amountFen,
        BENCH_LEDGER.id,
        TRANSFER_CODE_PAYMENT,
        nowMs,
        lastSeq.get(debitId) ?? 0,
        lastSeq.get(creditId) ?? 0,
      );
      lastSeq.set(debitId, seq);
      lastSeq.set(creditId, seq);
    }
  });
}
