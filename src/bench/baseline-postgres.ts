// The plain-SQL baseline on PostgreSQL: the same transfers applied by one hand-written statement
// per batch (one round trip, one commit) with set-based updates — deltas summed per account,
// one UPDATE … FROM, one INSERT … SELECT unnest — and no Saoma code around it. The accounts
// table's CHECK constraints guard the balances (per batch, not per transfer: that is what a
// set-based routine can promise), and there is no hash chain, history links (prev seqs stay 0), idempotency look-up or audit trail.
import { AccountCode, BENCH_INSTITUTION, BENCH_LEDGER, TRANSFER_CODE_PAYMENT } from './book-setup.js';
import type { BenchDatabase } from './bench-database.js';
import { timeBatches, type BaselineRun } from './baseline-sqlite.js';
import type { LoadCounter } from './load.js';
import { planTransferId, totalFundingFen, type TransferPlan } from './transfer-plan.js';

const SOURCE_ID = 1;

/** Opens the same book as the ledger's setup, balances written directly; returns ids by position. */
export async function setUpPostgresBaseline(
  database: BenchDatabase,
  plan: TransferPlan,
  nowMs: number,
): Promise<number[]> {
  const store = await database.openForSetup();
  // The source is 1, the wallets 2 … N + 1, the merchant N + 2: a fresh schema has no other accounts.
  const walletIds = Array.from({ length: plan.wallets }, (_, position) => SOURCE_ID + 1 + position);
  const merchantId = SOURCE_ID + plan.wallets + 1;
  try {
    const pool = store.pool!;
    await pool.query('INSERT INTO institutions (id, name, kind, created_at_ms) VALUES ($1, $2, $3, $4)', [
      BENCH_INSTITUTION.id,
      BENCH_INSTITUTION.name,
      BENCH_INSTITUTION.kind,
      nowMs,
    ]);
    await pool.query('INSERT INTO ledgers (id, currency, scale, name) VALUES ($1, $2, $3, $4)', [
      BENCH_LEDGER.id,
      BENCH_LEDGER.currency,
      BENCH_LEDGER.scale,
      BENCH_LEDGER.name,
    ]);
    await pool.query(
      `INSERT INTO accounts (id, institution_id, ledger_id, code, flags, debits_posted, credits_posted, created_at_ms)
       SELECT id, $1, $2, code, flags, debits, credits, $3
       FROM unnest($4::bigint[], $5::int[], $6::int[], $7::bigint[], $8::bigint[]) AS u(id, code, flags, debits, credits)`,
      [
        BENCH_INSTITUTION.id,
        BENCH_LEDGER.id,
        nowMs,
        [SOURCE_ID, ...walletIds, merchantId],
        [AccountCode.source, ...walletIds.map(() => AccountCode.wallet), AccountCode.merchant],
        [0, ...walletIds.map(() => 1), 1],
        [totalFundingFen(plan), ...walletIds.map(() => 0), 0],
        [0, ...plan.walletFundingFen, 0],
      ],
    );
    return [...walletIds, merchantId];
  } finally {
    await store.close();
  }
}

const APPLY_BATCH_SQL = `
WITH batch AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS b(id, debit, credit, amount, ord)
), deltas AS (
  SELECT account_id, sum(debits)::bigint AS debits, sum(credits)::bigint AS credits FROM (
    SELECT debit AS account_id, amount AS debits, 0::bigint AS credits FROM batch
    UNION ALL SELECT credit, 0, amount FROM batch) moves
  GROUP BY account_id
), head AS (
  UPDATE journal_head SET seq = seq + $5::bigint WHERE id = 1 RETURNING seq - $5::bigint AS before_seq
), applied AS (
  UPDATE accounts a SET debits_posted = a.debits_posted + d.debits, credits_posted = a.credits_posted + d.credits
  FROM deltas d WHERE a.id = d.account_id RETURNING a.id
), inserted AS (
  INSERT INTO transfers (seq, id, debit_account_id, credit_account_id, amount, pending_id, ledger_id, code, flags,
                         timeout_seconds, user_data, created_at_ms, pending_status, expires_at_ms, hash,
                         debit_prev_seq, credit_prev_seq)
  SELECT head.before_seq + b.ord, b.id, b.debit, b.credit, b.amount, NULL, $6, $7, 0, 0, NULL, $8, 'none', NULL, '', 0, 0
  FROM batch b CROSS JOIN head RETURNING 1
)
SELECT (SELECT count(*) FROM applied)::int AS accounts, (SELECT count(*) FROM inserted)::int AS transfers`;

/** Applies the plan's first `count` transfers in batches of `batchSize`, one statement each. */
export async function runPostgresBaseline(
  database: BenchDatabase,
  plan: TransferPlan,
  accountIds: number[],
  options: { count: number; batchSize: number; nowMs: number; counter: LoadCounter },
): Promise<BaselineRun> {
  const store = await database.open();
  try {
    const pool = store.pool!;
    return await timeBatches(options, async (start, end) => {
      const { rows } = await pool.query<{ transfers: number }>({
        name: 'bench_baseline_batch',
        text: APPLY_BATCH_SQL,
        values: batchParameters(plan, accountIds, start, end, options.nowMs),
      });
      if (rows[0]?.transfers !== end - start)
        throw new Error(`baseline: batch at ${start} did not insert every transfer`);
    });
  } finally {
    await store.close();
  }
}

function batchParameters(
  plan: TransferPlan,
  accountIds: number[],
  start: number,
  end: number,
  nowMs: number,
): unknown[] {
  const ids: string[] = [];
  const debits: number[] = [];
  const credits: number[] = [];
  const amounts: number[] = [];
  for (let index = start; index < end; index++) {
    ids.push(planTransferId(index));
    debits.push(accountIds[plan.debitPosition[index]!]!);
    credits.push(accountIds[plan.creditPosition[index]!]!);
    amounts.push(plan.amountFen[index]!);
  }
  return [ids, debits, credits, amounts, end - start, BENCH_LEDGER.id, TRANSFER_CODE_PAYMENT, nowMs];
}
