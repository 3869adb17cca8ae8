// The wallet's operations as records: each top-up, withdrawal or transfer is a row keyed by the
// user's Idempotency-Key, written before any money moves, and a linked chain of ledger
// transfers whose ids derive from the row. A retry with the same key finds the row and replays
// (or, after a crash, finishes) the same chain; the ledger's own idempotency makes that safe.
import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { LedgerService } from '../ledger/service.js';
import { TransferFlags, type TransferRequest, type TransferResultCode } from '../ledger/types.js';
import type { Clock } from '../shared/clock.js';
import { newToken } from '../shared/passwords.js';
import { ok, problem, type Problem, type Result } from '../shared/result.js';
import type { WalletOperationsTable } from '../store/schema.js';
import type { Store } from '../store/store.js';

export type OperationKind = 'top_up' | 'withdrawal' | 'transfer';
export type OperationStatus = 'pending' | 'succeeded' | 'failed';

export interface WalletOperation {
  id: string;
  userId: string;
  kind: OperationKind;
  idempotencyKey: string;
  status: OperationStatus;
  amountFen: bigint;
  feeFen: bigint;
  quotaFen: bigint;
  cardId: string | null;
  counterpartyUserId: string | null;
  note: string | null;
  failure: Problem | null;
  createdAtMs: bigint;
  completedAtMs: bigint | null;
}

export interface OperationDraft {
  userId: string;
  kind: OperationKind;
  idempotencyKey: string;
  /** What the request asked for (not the PIN): the same key with another request is refused. */
  request: Record<string, unknown>;
  amountFen: bigint;
  feeFen?: bigint;
  quotaFen?: bigint;
  cardId?: string;
  counterpartyUserId?: string;
  note?: string;
}

/** A member of an operation's chain and what its refusal means to the user. */
export interface ChainStep {
  transfer: Omit<TransferRequest, 'id' | 'flags'>;
  /** Turns this step's refusal into the user's refusal (null: the ledger's own code stands). */
  explain?: (code: TransferResultCode) => Problem | null | Promise<Problem | null>;
}

export type OperationError = 'idempotency_conflict';

export interface OperationRunner {
  /**
   * Records the operation (or finds it by key), then moves its money: `before` (unlinked, such as
   * a limit's grant) and the steps as one linked chain. Returns the finished operation; a refusal
   * is recorded on it (`status: failed`) so that a replay gives the same answer.
   */
  run(
    draft: OperationDraft,
    plan: (operation: WalletOperation) => Promise<{ before: TransferRequest[]; steps: ChainStep[] }>,
  ): Promise<Result<WalletOperation, OperationError>>;
  get(userId: string, operationId: string): Promise<WalletOperation | null>;
  /** Operations by id, for annotating statement lines (notes, counterparties). */
  byIds(ids: readonly string[]): Promise<Map<string, WalletOperation>>;
}

export const fingerprint = (request: Record<string, unknown>): string =>
  createHash('sha256')
    .update(JSON.stringify(request, Object.keys(request).sort(), 0))
    .digest('hex');

export function createOperationRunner(deps: { store: Store; ledger: LedgerService; clock: Clock }): OperationRunner {
  const { store, ledger, clock } = deps;
  const db = store.db;

  const find = async (userId: string, kind: OperationKind, key: string) => {
    const row = await db
      .selectFrom('wallet_operations')
      .selectAll()
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row ? toOperation(row) : null;
  };

  const finish = async (operation: WalletOperation, failure: Problem | null) => {
    await db
      .updateTable('wallet_operations')
      .set({
        status: failure === null ? 'succeeded' : 'failed',
        failure_code: failure?.code ?? null,
        failure_message: failure?.message ?? null,
        completed_at_ms: BigInt(clock.nowMs()),
      })
      .where('id', '=', operation.id)
      .where('status', '=', 'pending')
      .execute();
    const finished = (await find(operation.userId, operation.kind, operation.idempotencyKey))!;
    // The first answer keeps the refusal's details (which limit, how much is left); the row keeps
    // its code and sentence for replays.
    return finished.failure !== null && failure?.code === finished.failure.code ? { ...finished, failure } : finished;
  };

  return {
    async run(draft, plan) {
      const print = fingerprint(draft.request);
      await db
        .insertInto('wallet_operations')
        .values({
          id: `op_${newToken(12)}`,
          user_id: draft.userId,
          kind: draft.kind,
          idempotency_key: draft.idempotencyKey,
          fingerprint: print,
          amount_fen: draft.amountFen,
          fee_fen: draft.feeFen ?? 0n,
          quota_fen: draft.quotaFen ?? 0n,
          card_id: draft.cardId ?? null,
          counterparty_user_id: draft.counterpartyUserId ?? null,
          note: draft.note ?? null,
          status: 'pending',
          created_at_ms: BigInt(clock.nowMs()),
        })
        .onConflict((conflict) => conflict.columns(['user_id', 'kind', 'idempotency_key']).doNothing())
        .execute();
      const operation = (await find(draft.userId, draft.kind, draft.idempotencyKey))!;
      if ((await fingerprintOf(operation.id)) !== print) {
        return problem(
          'idempotency_conflict',
          `Idempotency-Key "${draft.idempotencyKey}" was used for a different ${draft.kind.replace('_', '-')} request; use a new key`,
        );
      }
      if (operation.status !== 'pending') return ok(operation);
      const { before, steps } = await plan(operation);
      const chain = steps.map((step, index): TransferRequest => ({
        ...step.transfer,
        id: `${operation.id}:${index + 1}`,
        flags: index < steps.length - 1 ? TransferFlags.linked : TransferFlags.none,
      }));
      const results = await ledger.transfer([...before, ...chain]);
      for (const [index, result] of results.slice(0, before.length).entries()) {
        if (result.code !== 'ok') throw new Error(`limit grant ${before[index]!.id} refused: ${result.code}`);
      }
      const chainResults = results.slice(before.length);
      const failedAt = chainResults.findIndex(
        (result) => result.code !== 'ok' && result.code !== 'linked_event_failed',
      );
      if (failedAt < 0) return ok(await finish(operation, null));
      const code = chainResults[failedAt]!.code;
      const explained = (await steps[failedAt]!.explain?.(code)) ?? null;
      return ok(
        await finish(
          operation,
          explained ?? { code, message: `the ledger refused the ${draft.kind.replace('_', '-')}: ${code}` },
        ),
      );
    },

    async get(userId, operationId) {
      const row = await db
        .selectFrom('wallet_operations')
        .selectAll()
        .where('id', '=', operationId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row ? toOperation(row) : null;
    },

    async byIds(ids) {
      if (ids.length === 0) return new Map();
      const rows = await db
        .selectFrom('wallet_operations')
        .selectAll()
        .where('id', 'in', [...ids])
        .execute();
      return new Map(rows.map((row) => [row.id, toOperation(row)]));
    },
  };

  async function fingerprintOf(id: string) {
    return (await db.selectFrom('wallet_operations').select('fingerprint').where('id', '=', id).executeTakeFirst())
      ?.fingerprint;
  }
}

function toOperation(row: Selectable<WalletOperationsTable>): WalletOperation {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind as OperationKind,
    idempotencyKey: row.idempotency_key,
    status: row.status as OperationStatus,
    amountFen: BigInt(row.amount_fen),
    feeFen: BigInt(row.fee_fen),
    quotaFen: BigInt(row.quota_fen),
    cardId: row.card_id,
    counterpartyUserId: row.counterparty_user_id,
    note: row.note,
    failure: row.failure_code === null ? null : { code: row.failure_code, message: row.failure_message ?? '' },
    createdAtMs: BigInt(row.created_at_ms),
    completedAtMs: row.completed_at_ms === null ? null : BigInt(row.completed_at_ms),
  };
}
