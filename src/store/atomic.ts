// A few statements committed together, or not at all, on either store — a state change and the
// outbox event that announces it, an order and its code. On a SQLite file served by a ledger
// write thread, units go to that thread and share its commits with other requests' units
// (unit-channel.ts); on `:memory:` they run on the main connection at once; on PostgreSQL, the
// units that arrive together share a transaction (postgres-units.ts).
import type { CompiledQuery } from 'kysely';
import { createPostgresUnitBatcher, type PostgresUnitBatcher } from './postgres-units.js';
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
  const plain: UnitStep[] = steps.map((step) => ({
    sql: step.query.sql,
    parameters: step.query.parameters,
    mustChangeRow: step.mustChangeRow ?? false,
  }));
  if (store.kind === 'postgres') return postgresBatcher(store).run(plain);
  const channel = writeThreads.get(store);
  const reply: UnitReply = channel ? await channel.run(plain) : runUnitsInTransaction(store.sqlite!, [plain])[0]!;
  if (reply.ok) return reply.outcomes;
  if (reply.nothingChanged) return null;
  throw new UnitFailedError(reply.message, reply.code);
}

const postgresBatchers = new WeakMap<Store, PostgresUnitBatcher>();

function postgresBatcher(store: Store): PostgresUnitBatcher {
  let batcher = postgresBatchers.get(store);
  if (!batcher) postgresBatchers.set(store, (batcher = createPostgresUnitBatcher(store.pool!)));
  return batcher;
}
