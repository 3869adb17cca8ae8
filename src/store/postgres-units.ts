// Write units on PostgreSQL, committed together: the units that arrive while earlier batches
// commit share one transaction (one WAL flush, one BEGIN/COMMIT) instead of one each. Any error
// aborts a PostgreSQL transaction, so a batch that meets one is rolled back and its units run
// again one by one, each in a transaction of its own, where the error belongs to its unit alone.
// A unit whose guard on its first statement changes no row has changed nothing, and answers so
// inside the batch. One whose guard on a later statement finds nothing to change would have to
// undo its earlier statements: the batch is rolled back and run one by one as for an error,
// rather than giving every such unit a savepoint (two more round trips each, on every payment,
// for an outcome that is rare: an out_trade_no sent again, behind its request's new nonce).
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

/** A step's guard changed no row: the unit is undone. */
class GuardFailed extends NothingChanged {
  constructor(readonly stepIndex: number) {
    super();
  }
}

/** One unit inside the batch's transaction. */
async function runUnit(client: pg.PoolClient, steps: readonly UnitStep[]): Promise<PostgresUnitResult> {
  try {
    return await runSteps(client, steps);
  } catch (error) {
    // A guard past the first statement would have to undo the unit's earlier rows: thrown on,
    // it rolls the batch back to be run one by one.
    if (error instanceof GuardFailed && error.stepIndex === 0) return null;
    throw error;
  }
}

async function runSteps(client: pg.PoolClient, steps: readonly UnitStep[]): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (const [stepIndex, step] of steps.entries()) {
    const result = await client.query(step.sql, step.parameters as unknown[]);
    const changes = result.rowCount ?? 0;
    if (step.mustChangeRow && changes === 0) throw new GuardFailed(stepIndex);
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
