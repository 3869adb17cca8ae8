// The port between the group-commit writer and a store: apply one batch, get one result per
// transfer. SQLite runs the rules in TypeScript; PostgreSQL runs them in a server-side function.
import type pg from 'pg';
import type { Store } from '../store/store.js';
import type { UnitChannel } from '../store/unit-channel.js';
import { createInThreadSqliteEngine, createPipelinedSqliteEngine } from './sqlite-engine.js';
import { TRANSFER_RESULT_CODES, type TransferResult } from './types.js';
import type { BatchItem } from './validate.js';

export interface BatchEngine {
  /** Batches that may be in flight at once (planned, not yet committed). */
  readonly pipelineDepth: number;
  /** Applies whole linked chains; resolves once the batch is durable. Calls are planned in call order. */
  apply(items: readonly BatchItem[], nowMs: bigint): Promise<TransferResult[]>;
  close(): Promise<void>;
  /** A write thread's channel for the application's write units (src/store/atomic.ts), if any. */
  readonly units?: UnitChannel;
}

/** SQLite files commit on a write thread; ':memory:' (no second connection possible) in-thread. */
export function createBatchEngine(store: Store): BatchEngine {
  if (store.sqlite) {
    const path = store.sqlitePath!;
    const pipelined = path !== ':memory:' && path !== '';
    return pipelined ? createPipelinedSqliteEngine(store.sqlite, path) : createInThreadSqliteEngine(store.sqlite);
  }
  return createPostgresBatchEngine(store.pool!);
}

/** Serialization failures and deadlocks are retried this many times before the batch fails. */
const RETRIES_MAX = 8;
const RETRYABLE = new Set(['40001', '40P01']);

const APPLY_BATCH_SQL =
  'SELECT r_codes, r_replayed, r_seqs, r_amounts FROM saoma_apply_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)';

export function createPostgresBatchEngine(pool: pg.Pool): BatchEngine {
  return {
    pipelineDepth: 1,
    async close() {},
    async apply(items, nowMs) {
      const values = batchParameters(items, nowMs);
      for (let attempt = 0; ; attempt++) {
        try {
          const { rows } = await pool.query({ name: 'saoma_apply_batch', text: APPLY_BATCH_SQL, values });
          return readResults(items, rows[0]);
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (!(code && RETRYABLE.has(code)) || attempt >= RETRIES_MAX) throw error;
        }
      }
    },
  };
}

/** Column arrays for the batch function; accounts are sent once each, sorted, and named by index. */
function batchParameters(items: readonly BatchItem[], nowMs: bigint): unknown[] {
  const accountIds = new Set<bigint>();
  for (const item of items) {
    if (item.debitAccountId !== 0n) accountIds.add(item.debitAccountId);
    if (item.creditAccountId !== 0n) accountIds.add(item.creditAccountId);
  }
  const sorted = [...accountIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const indexOf = new Map(sorted.map((id, index) => [id, index + 1]));
  return [
    items.map((item) => item.id),
    items.map((item) => item.pendingId),
    items.map((item) => indexOf.get(item.debitAccountId) ?? 0),
    items.map((item) => indexOf.get(item.creditAccountId) ?? 0),
    items.map((item) => item.amount.toString()),
    items.map((item) => item.ledgerId),
    items.map((item) => item.code),
    items.map((item) => item.flags),
    items.map((item) => item.timeoutSeconds),
    items.map((item) => item.userData),
    sorted.map((id) => id.toString()),
    nowMs.toString(),
  ];
}

interface BatchRow {
  r_codes: number[];
  r_replayed: boolean[];
  r_seqs: (string | null)[];
  r_amounts: (string | null)[];
}

function readResults(items: readonly BatchItem[], row: BatchRow | undefined): TransferResult[] {
  if (!row || row.r_codes.length !== items.length) {
    throw new Error('ledger invariant broken: the batch function returned a result per transfer');
  }
  return items.map((item, index) => {
    const code = TRANSFER_RESULT_CODES[row.r_codes[index]!];
    if (!code) throw new Error(`ledger invariant broken: unknown result code ${row.r_codes[index]}`);
    const seq = row.r_seqs[index];
    const amount = row.r_amounts[index];
    return {
      id: item.id,
      code,
      replayed: row.r_replayed[index] === true,
      ...(seq != null ? { seq: BigInt(seq) } : {}),
      ...(amount != null ? { amount: BigInt(amount) } : {}),
    };
  });
}
