// Write units on PostgreSQL, committed together: the units that arrive while earlier batches
// commit share one transaction (one WAL flush, one BEGIN/COMMIT) instead of one each. A unit
// whose guard on a later statement may have to undo an earlier one runs in a savepoint; the
// rest need none, since a guard that changes no row has changed nothing. Any error aborts a
// PostgreSQL transaction, so a batch that meets one is rolled back and its units run again one
// by one, each in a transaction of its own, where the error belongs to its unit alone.
import type pg from 'pg';
import { NothingChanged, type StepOutcome, type UnitStep } from './write-units.js';

/** Batches committing at once, each on its own connection. */
const BATCHES_IN_FLIGHT_MAX = 4;
/** Units per transaction at most. */
const UNITS_PER_BATCH_MAX = 500;

/** Outcomes, or null when a guard changed no row (the unit was undone). */
export type PostgresUnitResult = StepOutcome[] | null;

interface Waiting {
  steps: readonly UnitStep[];
  resolve(result: PostgresUnitResult): void;
  reject(error: unknown): void;
}

export interface PostgresUnitBatcher {
  run(steps: readonly UnitStep[]): Promise<PostgresUnitResult>;
}

export function createPostgresUnitBatcher(pool: pg.Pool): PostgresUnitBatcher {
  let queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    while (inFlight < BATCHES_IN_FLIGHT_MAX && queue.length > 0) {
      const units = queue.slice(0, UNITS_PER_BATCH_MAX);
      queue = queue.slice(units.length);
      inFlight += 1;
      void commitBatch(pool, units).finally(() => {
        inFlight -= 1;
        schedule();
      });
    }
  };
  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= BATCHES_IN_FLIGHT_MAX) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    run: (steps) =>
      new Promise<PostgresUnitResult>((resolve, reject) => {
        queue.push({ steps, resolve, reject });
        schedule();
      }),
  };
}

async function commitBatch(pool: pg.Pool, units: Waiting[]): Promise<void> {
  if (units.length === 1) return settleAlone(pool, units[0]!);
  let results: PostgresUnitResult[];
  try {
    results = await inOneTransaction(pool, units);
  } catch {
    // Which unit failed, and whether the others would have passed, is only known one by one.
    await Promise.all(units.map((unit) => settleAlone(pool, unit)));
    return;
  }
  units.forEach((unit, index) => unit.resolve(results[index]!));
}

async function inOneTransaction(pool: pg.Pool, units: readonly Waiting[]): Promise<PostgresUnitResult[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const results: PostgresUnitResult[] = [];
    for (const unit of units) results.push(await runUnit(client, unit.steps));
    await client.query('COMMIT');
    return results;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** One unit inside the batch's transaction; a savepoint only where a later guard may undo earlier rows. */
async function runUnit(client: pg.PoolClient, steps: readonly UnitStep[]): Promise<PostgresUnitResult> {
  const guarded = steps.some((step, index) => index > 0 && step.mustChangeRow);
  if (guarded) await client.query('SAVEPOINT unit');
  try {
    const outcomes = await runSteps(client, steps);
    if (guarded) await client.query('RELEASE SAVEPOINT unit');
    return outcomes;
  } catch (error) {
    if (!(error instanceof NothingChanged)) throw error;
    if (guarded) await client.query('ROLLBACK TO SAVEPOINT unit');
    return null;
  }
}

async function runSteps(client: pg.PoolClient, steps: readonly UnitStep[]): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (const step of steps) {
    const result = await client.query(step.sql, step.parameters as unknown[]);
    const changes = result.rowCount ?? 0;
    if (step.mustChangeRow && changes === 0) throw new NothingChanged();
    outcomes.push({ changes, rows: result.rows as Record<string, unknown>[] });
  }
  return outcomes;
}

/** A unit in a transaction of its own: its error, if any, is its own. */
async function settleAlone(pool: pg.Pool, unit: Waiting): Promise<void> {
  const client = await pool.connect().catch((error: unknown) => {
    unit.reject(error);
    return null;
  });
  if (!client) return;
  try {
    await client.query('BEGIN');
    let result: PostgresUnitResult;
    try {
      result = await runSteps(client, unit.steps);
    } catch (error) {
      await client.query('ROLLBACK');
      if (error instanceof NothingChanged) return unit.resolve(null);
      return unit.reject(error);
    }
    await client.query('COMMIT');
    unit.resolve(result);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    unit.reject(error);
  } finally {
    client.release();
  }
}
