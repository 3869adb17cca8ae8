// A few statements committed together, or not at all, on either store — a state change and the
// outbox event that announces it, an order and its code. On a SQLite file served by a ledger
// write thread, units go to that thread and share its commits with other requests' units
// (unit-channel.ts); on `:memory:` they run on the main connection at once; on PostgreSQL, in a
// transaction of their own.
import type { CompiledQuery } from 'kysely';
import type { Store } from './store.js';
import type { UnitChannel } from './unit-channel.js';
import {
  runUnitsInTransaction,
  UnitFailedError,
  type StepOutcome,
  type UnitReply,
  type UnitStep,
} from './write-units.js';

export interface AtomicStep {
  query: CompiledQuery;
  /** When this statement changes no row, everything is rolled back and the call answers false. */
  mustChangeRow?: boolean;
}

export type { StepOutcome };

/** The write thread of each SQLite store, while its ledger runs one (set by the ledger's engine). */
const writeThreads = new WeakMap<Store, UnitChannel>();

export function useWriteThread(store: Store, channel: UnitChannel | null): void {
  if (channel) writeThreads.set(store, channel);
  else writeThreads.delete(store);
}

export async function runAtomically(store: Store, steps: readonly AtomicStep[]): Promise<boolean> {
  return (await runUnit(store, steps)) !== null;
}

/**
 * The steps' outcomes (rows changed, rows returned), or null when a `mustChangeRow` step changed
 * nothing and the whole unit was undone. Other failures (constraints, a failed commit) throw.
 */
export async function runUnit(store: Store, steps: readonly AtomicStep[]): Promise<StepOutcome[] | null> {
  if (store.kind === 'postgres') return runOnPostgres(store, steps);
  const plain: UnitStep[] = steps.map((step) => ({
    sql: step.query.sql,
    parameters: step.query.parameters,
    mustChangeRow: step.mustChangeRow ?? false,
  }));
  const channel = writeThreads.get(store);
  const reply: UnitReply = channel ? await channel.run(plain) : runUnitsInTransaction(store.sqlite!, [plain])[0]!;
  if (reply.ok) return reply.outcomes;
  if (reply.nothingChanged) return null;
  throw new UnitFailedError(reply.message, reply.code);
}

async function runOnPostgres(store: Store, steps: readonly AtomicStep[]): Promise<StepOutcome[] | null> {
  const client = await store.pool!.connect();
  try {
    await client.query('BEGIN');
    const outcomes: StepOutcome[] = [];
    for (const step of steps) {
      const result = await client.query(step.query.sql, step.query.parameters as unknown[]);
      const changes = result.rowCount ?? 0;
      if (step.mustChangeRow && changes === 0) {
        await client.query('ROLLBACK');
        return null;
      }
      outcomes.push({ changes, rows: result.rows as Record<string, unknown>[] });
    }
    await client.query('COMMIT');
    return outcomes;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
