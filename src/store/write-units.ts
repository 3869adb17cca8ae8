// Units of application writes on SQLite: a few statements that commit together or not at all
// (a state change and the outbox event announcing it, an order and its code, a delivery attempt
// claimed and recorded). Several units run in one transaction, each inside a savepoint, so one
// unit's refusal (a guard that changed no row, a constraint) undoes only that unit. The same
// function runs them on the main thread's connection (`:memory:`, or before a write thread
// exists) and on the ledger's write thread (src/ledger/sqlite-write-worker.ts), where the units
// of many requests share one commit.
import type BetterSqlite3 from 'better-sqlite3';
import { preparedStatement } from './store.js';

/** A statement as plain data (it crosses to the write thread by structured clone). */
export interface UnitStep {
  sql: string;
  parameters: readonly unknown[];
  /** When this statement changes no row, the unit is undone and answers `nothing_changed`. */
  mustChangeRow: boolean;
}

/** Per step: rows changed, and the rows a `RETURNING` clause (or a SELECT) gave back. */
export interface StepOutcome {
  changes: number;
  rows: Record<string, unknown>[];
}

export type UnitReply =
  | { ok: true; outcomes: StepOutcome[] }
  | { ok: false; nothingChanged: true }
  | { ok: false; nothingChanged: false; message: string; code: string | null };

/** A guard (`mustChangeRow`) changed no row: the unit is undone (here and in postgres-units.ts). */
export class NothingChanged extends Error {}

type UnitRunner = (steps: readonly UnitStep[]) => StepOutcome[];
type BatchRunner = { immediate(units: readonly (readonly UnitStep[])[]): UnitReply[] };

const runners = new WeakMap<BetterSqlite3.Database, { unit: UnitRunner; batch: BatchRunner }>();

/**
 * Runs the units in one IMMEDIATE transaction, each in a savepoint; one reply per unit, in order.
 * Throws only when the transaction itself fails (then no unit committed).
 */
export function runUnitsInTransaction(
  sqlite: BetterSqlite3.Database,
  units: readonly (readonly UnitStep[])[],
): UnitReply[] {
  let runner = runners.get(sqlite);
  if (!runner) {
    // better-sqlite3 runs a transaction function called inside another as a savepoint, rolled
    // back to if it throws: exactly one unit's all-or-nothing.
    const unit = sqlite.transaction((steps: readonly UnitStep[]) => steps.map((step) => runStep(sqlite, step)));
    const batch = sqlite.transaction((batchUnits: readonly (readonly UnitStep[])[]) =>
      batchUnits.map((steps) => {
        // Some errors (a full disk, I/O) make SQLite roll back the whole transaction: the units
        // after one would then commit on their own. Stop instead; the batch fails as a whole.
        if (!sqlite.inTransaction) throw new Error('SQLite rolled the transaction back after an error');
        // One statement needs no savepoint: a statement that fails (or, as a guard, changes
        // nothing) leaves no change of its own behind, and the units before it stand.
        return replyFor(() => (steps.length === 1 ? [runStep(sqlite, steps[0]!)] : unit(steps)));
      }),
    );
    runners.set(sqlite, (runner = { unit, batch }));
  }
  return runner.batch.immediate(units);
}

function runStep(sqlite: BetterSqlite3.Database, step: UnitStep): StepOutcome {
  const statement = preparedStatement(sqlite, step.sql);
  let outcome: StepOutcome;
  if (statement.reader) {
    const rows = statement.all(...step.parameters) as Record<string, unknown>[];
    outcome = { changes: rows.length, rows };
  } else {
    outcome = { changes: statement.run(...step.parameters).changes, rows: [] };
  }
  if (step.mustChangeRow && outcome.changes === 0) throw new NothingChanged();
  return outcome;
}

function replyFor(run: () => StepOutcome[]): UnitReply {
  try {
    return { ok: true, outcomes: run() };
  } catch (error) {
    if (error instanceof NothingChanged) return { ok: false, nothingChanged: true };
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      nothingChanged: false,
      message: error instanceof Error ? error.message : String(error),
      code: typeof code === 'string' ? code : null,
    };
  }
}

/** A unit's failure other than a guard, as the error the caller would have seen in-thread. */
export class UnitFailedError extends Error {
  readonly code: string | null;
  constructor(message: string, code: string | null) {
    super(message);
    this.code = code;
  }
}
