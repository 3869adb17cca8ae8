// The main thread's side of application writes on the ledger's write thread: the units submitted
// in one turn of the event loop go together at its end (one message, one transaction), so the
// write thread's commits grow with the load instead of multiplying. A batch does not wait for the
// one before it to be answered: the write thread takes messages in the order they were sent.
// Under load a turn lasts a few milliseconds, long enough to gather a few dozen units.
import type { UnitReply, UnitStep } from './write-units.js';

/** Units per message at most: a large batch would hold the write lock longer than it saves. */
export const UNITS_PER_BATCH_MAX = 2_000;

/** A step on the wire: its SQL by number (the text crosses once per statement, not per use). */
export interface WireStep {
  statement: number;
  parameters: readonly unknown[];
  mustChangeRow: boolean;
}

export interface UnitsMessage {
  kind: 'units';
  batch: number;
  /** The write thread forgets every statement number before reading this message's. */
  forgetStatements: boolean;
  /** SQL texts first used in this message. */
  statements: [number, string][];
  units: WireStep[][];
}

/** Distinct statements numbered at most; past it, numbering starts again (lists of any length make new ones). */
const STATEMENT_NUMBERS_MAX = 5_000;

/** The write thread's side: steps back with their SQL. */
export function createStatementBook(): (message: UnitsMessage) => UnitStep[][] {
  const texts = new Map<number, string>();
  return (message) => {
    if (message.forgetStatements) texts.clear();
    for (const [number, sql] of message.statements) texts.set(number, sql);
    return message.units.map((unit) =>
      unit.map((step) => {
        const sql = texts.get(step.statement);
        if (sql === undefined) throw new Error(`statement ${step.statement} was never sent`);
        return { sql, parameters: step.parameters, mustChangeRow: step.mustChangeRow };
      }),
    );
  };
}

export type UnitsReply =
  | { kind: 'units'; batch: number; ok: true; replies: UnitReply[] }
  | { kind: 'units'; batch: number; ok: false; error: string };

export interface UnitChannel {
  run(steps: readonly UnitStep[]): Promise<UnitReply>;
  /** The write thread's answer to a batch. */
  settle(reply: UnitsReply): void;
  /** Every waiting unit fails with this error (the write thread stopped). */
  failAll(error: Error): void;
  /** Units waiting or in flight. */
  pending(): number;
  /** Resolves when nothing is waiting or in flight. */
  drained(): Promise<void>;
}

interface Waiting {
  steps: readonly UnitStep[];
  resolve(reply: UnitReply): void;
  reject(error: Error): void;
}

export function createUnitChannel(post: (message: UnitsMessage) => void): UnitChannel {
  let queue: Waiting[] = [];
  /** Batches sent and not yet answered, by number (answered in the order they were sent). */
  const inFlight = new Map<number, Waiting[]>();
  let batchNumber = 0;
  const numbers = new Map<string, number>();
  let forget = false;
  const toWire = (steps: readonly UnitStep[], fresh: [number, string][]): WireStep[] =>
    steps.map((step) => {
      let number = numbers.get(step.sql);
      if (number === undefined) {
        if (numbers.size >= STATEMENT_NUMBERS_MAX) {
          numbers.clear();
          fresh.length = 0;
          forget = true;
        }
        numbers.set(step.sql, (number = numbers.size + 1));
        fresh.push([number, step.sql]);
      }
      return { statement: number, parameters: step.parameters, mustChangeRow: step.mustChangeRow };
    });
  let scheduled = false;
  const drainWaiters: (() => void)[] = [];

  const flush = () => {
    scheduled = false;
    while (queue.length > 0) {
      const units = queue.slice(0, UNITS_PER_BATCH_MAX);
      queue = queue.slice(units.length);
      const batch = ++batchNumber;
      inFlight.set(batch, units);
      const statements: [number, string][] = [];
      let wireUnits = units.map((unit) => toWire(unit.steps, statements));
      if (forget) {
        // Numbering restarted part way: number this whole message afresh.
        numbers.clear();
        statements.length = 0;
        wireUnits = units.map((unit) => toWire(unit.steps, statements));
      }
      post({ kind: 'units', batch, forgetStatements: forget, statements, units: wireUnits });
      forget = false;
    }
  };
  const schedule = () => {
    if (scheduled || queue.length === 0) return;
    scheduled = true;
    // setImmediate: the other requests read in this turn of the event loop join the batch.
    setImmediate(flush);
  };
  const wakeIfDrained = () => {
    if (inFlight.size > 0 || queue.length > 0) return;
    for (const wake of drainWaiters.splice(0)) wake();
  };

  return {
    run(steps) {
      return new Promise<UnitReply>((resolve, reject) => {
        queue.push({ steps, resolve, reject });
        schedule();
      });
    },
    settle(reply) {
      const units = inFlight.get(reply.batch);
      if (!units) return;
      inFlight.delete(reply.batch);
      units.forEach((unit, index) => {
        if (!reply.ok) unit.reject(new Error(`SQLite commit failed: ${reply.error}`));
        else unit.resolve(reply.replies[index]!);
      });
      wakeIfDrained();
    },
    failAll(error) {
      const units = [...[...inFlight.values()].flat(), ...queue];
      inFlight.clear();
      queue = [];
      for (const unit of units) unit.reject(error);
      wakeIfDrained();
    },
    pending: () => [...inFlight.values()].reduce((sum, units) => sum + units.length, queue.length),
    drained: () =>
      inFlight.size === 0 && queue.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => drainWaiters.push(resolve)),
  };
}
