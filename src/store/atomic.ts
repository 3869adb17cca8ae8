// A few statements committed together, or not at all, on either store — for a state change and
// the outbox event that announces it. On SQLite the transaction runs synchronously, so nothing
// else on the connection (the in-thread ledger of a `:memory:` database) can slip into it.
import type { CompiledQuery } from 'kysely';
import { preparedStatement, type Store } from './store.js';

export interface AtomicStep {
  query: CompiledQuery;
  /** When this statement changes no row, everything is rolled back and the call answers false. */
  mustChangeRow?: boolean;
}

class NothingChanged extends Error {}

export async function runAtomically(store: Store, steps: readonly AtomicStep[]): Promise<boolean> {
  return store.kind === 'sqlite' ? runOnSqlite(store, steps) : runOnPostgres(store, steps);
}

function runOnSqlite(store: Store, steps: readonly AtomicStep[]): boolean {
  const sqlite = store.sqlite!;
  const apply = sqlite.transaction(() => {
    for (const step of steps) {
      const changes = preparedStatement(sqlite, step.query.sql).run(...(step.query.parameters as unknown[])).changes;
      if (step.mustChangeRow && changes === 0) throw new NothingChanged();
    }
  });
  try {
    apply.immediate();
    return true;
  } catch (error) {
    if (error instanceof NothingChanged) return false;
    throw error;
  }
}

async function runOnPostgres(store: Store, steps: readonly AtomicStep[]): Promise<boolean> {
  const client = await store.pool!.connect();
  try {
    await client.query('BEGIN');
    for (const step of steps) {
      const result = await client.query(step.query.sql, step.query.parameters as unknown[]);
      if (step.mustChangeRow && (result.rowCount ?? 0) === 0) {
        await client.query('ROLLBACK');
        return false;
      }
    }
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
