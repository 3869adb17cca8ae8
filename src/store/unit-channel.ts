// The main thread's side of application writes on the ledger's write thread: units submitted
// while a batch of them is being committed wait and go together in the next one (one message,
// one transaction), so the write thread's commits grow with the load instead of multiplying.
// One batch of units is in flight at a time; the write thread takes it between ledger batches.
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
  let inFlight: { batch: number; units: Waiting[] } | null = null;
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
    if (inFlight || queue.length === 0) return;
    const units = queue.slice(0, UNITS_PER_BATCH_MAX);
    queue = queue.slice(units.length);
    inFlight = { batch: ++batchNumber, units };
    const statements: [number, string][] = [];
    let wireUnits = units.map((unit) => toWire(unit.steps, statements));
    if (forget) {
      // Numbering restarted part way: number this whole message afresh.
      numbers.clear();
      statements.length = 0;
      wireUnits = units.map((unit) => toWire(unit.steps, statements));
    }
    post({ kind: 'units', batch: inFlight.batch, forgetStatements: forget, statements, units: wireUnits });
    forget = false;
  };
  const schedule = () => {
    if (scheduled || inFlight || queue.length === 0) return;
    scheduled = true;
    // setImmediate: the other requests read in this turn of the event loop join the batch.
    setImmediate(flush);
  };
  const wakeIfDrained = () => {
    if (inFlight || queue.length > 0) return;
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
      if (!inFlight || inFlight.batch !== reply.batch) return;
      const { units } = inFlight;
      inFlight = null;
      units.forEach((unit, index) => {
        if (!reply.ok) unit.reject(new Error(`SQLite commit failed: ${reply.error}`));
        else unit.resolve(reply.replies[index]!);
      });
      schedule();
      wakeIfDrained();
    },
    failAll(error) {
      const units = [...(inFlight?.units ?? []), ...queue];
      inFlight = null;
      queue = [];
      for (const unit of units) unit.reject(error);
      wakeIfDrained();
    },
    pending: () => queue.length + (inFlight?.units.length ?? 0),
    drained: () =>
      !inFlight && queue.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => drainWaiters.push(resolve)),
  };
}
