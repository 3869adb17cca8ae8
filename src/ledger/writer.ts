// Group commit: one writer per process queues calls and applies up to `batchMax` transfers per
// database transaction (one fsync, or one PostgreSQL round trip, for many transfers). Each
// caller awaits its own results. Calls are never split, so a linked chain stays in one batch.
import type { BatchEngine } from './engine.js';
import type { TransferResult } from './types.js';
import type { BatchItem } from './validate.js';

export interface WriterOptions {
  /** Transfers per database transaction, at most. */
  batchMax: number;
  /** Transfers waiting, at most; past it a call is refused with WriterOverloadedError. */
  queueMax: number;
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = { batchMax: 8_190, queueMax: 1_000_000 };

/** Below this many waiting transfers a batch is not split: an fsync costs more than it saves. */
const PIPELINE_SPLIT_MIN = 2048;

export class WriterOverloadedError extends Error {
  readonly code = 'ledger_overloaded';
  constructor(queueMax: number) {
    super(`the ledger has ${queueMax} transfers waiting; try again shortly`);
  }
}

export class WriterClosedError extends Error {
  readonly code = 'ledger_closed';
  constructor() {
    super('the ledger is shutting down and takes no new transfers');
  }
}

interface Submission {
  items: readonly BatchItem[];
  resolve: (results: TransferResult[]) => void;
  reject: (error: unknown) => void;
}

export interface WriterStats {
  batches: number;
  transfers: number;
  largestBatch: number;
  queued: number;
}

export interface LedgerWriter {
  submit(items: readonly BatchItem[]): Promise<TransferResult[]>;
  /** Resolves when everything submitted so far has been applied. */
  drain(): Promise<void>;
  /** Refuses new calls, drains, then stops the engine (its write thread, if any). */
  close(): Promise<void>;
  stats(): WriterStats;
}

export function createLedgerWriter(engine: BatchEngine, nowMs: () => bigint, options: WriterOptions): LedgerWriter {
  const queue: Submission[] = [];
  let head = 0;
  let queuedItems = 0;
  /** Batches handed to the engine and not yet settled (at most engine.pipelineDepth). */
  let running = 0;
  let scheduled = false;
  let closed = false;
  const idleWaiters: (() => void)[] = [];
  const stats = { batches: 0, transfers: 0, largestBatch: 0 };

  const schedule = () => {
    if (running >= engine.pipelineDepth || scheduled || head === queue.length) return;
    scheduled = true;
    // setImmediate, not a microtask: callers woken by the last batch get to queue their next call.
    setImmediate(runBatch);
  };

  /**
   * With a pipelined engine and nothing in flight, take only half of what waits: the other
   * half is planned while the first commits, instead of both threads taking turns.
   */
  const batchLimit = (): number => {
    if (engine.pipelineDepth < 2 || running > 1 || queuedItems < PIPELINE_SPLIT_MIN) return options.batchMax;
    return Math.min(options.batchMax, Math.ceil(queuedItems / 2));
  };

  const takeBatch = (): Submission[] => {
    const taken: Submission[] = [];
    const ids = new Set<string>();
    const limit = batchLimit();
    let size = 0;
    while (head < queue.length) {
      const next = queue[head]!;
      if (taken.length > 0 && size + next.items.length > limit) break;
      // The same id twice in one batch: the later call waits for the next batch, where it sees the first.
      if (next.items.some((item) => ids.has(item.id))) break;
      for (const item of next.items) ids.add(item.id);
      taken.push(next);
      size += next.items.length;
      head++;
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    return taken;
  };

  async function runBatch() {
    scheduled = false;
    running++;
    const taken = takeBatch();
    const items = taken.flatMap((submission) => submission.items);
    queuedItems -= items.length;
    // The engine plans this batch now, synchronously; it may take the next one before this commits.
    const applied = engine.apply(items, nowMs());
    schedule();
    try {
      const results = await applied;
      stats.batches++;
      stats.transfers += items.length;
      stats.largestBatch = Math.max(stats.largestBatch, items.length);
      let offset = 0;
      for (const submission of taken) {
        submission.resolve(results.slice(offset, offset + submission.items.length));
        offset += submission.items.length;
      }
    } catch (error) {
      for (const submission of taken) submission.reject(error);
    } finally {
      running--;
      if (running === 0 && head === queue.length) {
        for (const wake of idleWaiters.splice(0)) wake();
      }
      schedule();
    }
  }

  return {
    submit(items) {
      if (closed) return Promise.reject(new WriterClosedError());
      if (items.length === 0) return Promise.resolve([]);
      if (queuedItems + items.length > options.queueMax)
        return Promise.reject(new WriterOverloadedError(options.queueMax));
      queuedItems += items.length;
      return new Promise<TransferResult[]>((resolve, reject) => {
        queue.push({ items, resolve, reject });
        schedule();
      });
    },
    drain() {
      if (running === 0 && !scheduled && head === queue.length) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      closed = true;
      await this.drain();
      await engine.close();
    },
    stats: () => ({ ...stats, queued: queuedItems }),
  };
}
