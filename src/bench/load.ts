// The two load shapes the ledger benchmark drives: a closed loop (K callers, each awaiting one
// transfer at a time, as API handlers do) for peak throughput, and an open loop (transfers
// issued on a timer at a fixed rate) for latency at a given load.
import { performance } from 'node:perf_hooks';
import type { TransferRequest, TransferResult } from '../ledger/types.js';

export type SendTransfer = (request: TransferRequest) => Promise<TransferResult>;

export interface LoadRun {
  /** One entry per transfer, in milliseconds. */
  latenciesMs: Float64Array;
  elapsedMs: number;
  /** Transfers whose result was not `ok`: a benchmark's plan is built so that there are none. */
  failed: number;
}

/** Counts completed transfers for the progress display. */
export interface LoadCounter {
  done: number;
}

/** Applies requests 0 … count − 1 with `concurrency` callers, each awaiting its own transfer. */
export async function runClosedLoop(
  send: SendTransfer,
  requestAt: (index: number) => TransferRequest,
  count: number,
  concurrency: number,
  counter: LoadCounter,
): Promise<LoadRun> {
  const latenciesMs = new Float64Array(count);
  let next = 0;
  let failed = 0;
  const caller = async () => {
    while (next < count) {
      const index = next++;
      const startedMs = performance.now();
      const result = await send(requestAt(index));
      latenciesMs[index] = performance.now() - startedMs;
      if (result.code !== 'ok') failed++;
      counter.done++;
    }
  };
  const startedMs = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, caller));
  return { latenciesMs, elapsedMs: performance.now() - startedMs, failed };
}

/** The pacing timer's period; Node does not fire timers more often than once a millisecond. */
const PACING_INTERVAL_MS = 1;

/**
 * Issues requests 0 … count − 1 at `ratePerSecond`, whatever the ledger's pace. Latency counts
 * from the moment a transfer was due, not from when the timer got round to sending it, so a
 * stalled event loop shows up in the figures instead of hiding them (coordinated omission).
 */
export function runOpenLoop(
  send: SendTransfer,
  requestAt: (index: number) => TransferRequest,
  count: number,
  ratePerSecond: number,
  counter: LoadCounter,
): Promise<LoadRun> {
  const latenciesMs = new Float64Array(count);
  const intervalMs = 1_000 / ratePerSecond;
  return new Promise((resolve, reject) => {
    if (count === 0) return resolve({ latenciesMs, elapsedMs: 0, failed: 0 });
    let issued = 0;
    let settled = 0;
    let failed = 0;
    const startedMs = performance.now();
    const settle = (index: number, dueMs: number, result: TransferResult) => {
      latenciesMs[index] = performance.now() - dueMs;
      if (result.code !== 'ok') failed++;
      counter.done++;
      if (++settled === count) resolve({ latenciesMs, elapsedMs: performance.now() - startedMs, failed });
    };
    const issueDue = () => {
      const due = Math.min(count, Math.floor((performance.now() - startedMs) / intervalMs) + 1);
      while (issued < due) {
        const index = issued++;
        const dueMs = startedMs + index * intervalMs;
        send(requestAt(index)).then((result) => settle(index, dueMs, result), reject);
      }
      if (issued === count) clearInterval(timer);
    };
    const timer = setInterval(issueDue, PACING_INTERVAL_MS);
    issueDue();
  });
}

/** Events per second over a time in ms (a time of 0 counts as a microsecond). */
export const perSecond = (count: number, elapsedMs: number): number => (count * 1_000) / Math.max(elapsedMs, 1e-3);

/** `partMs` in whole percent of `wholeMs` (a busy time of a run, say). */
export const percentOf = (partMs: number, wholeMs: number): number =>
  Math.round((100 * partMs) / Math.max(wholeMs, 1e-3));

export const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile (0 < fraction ≤ 1) of already sorted values. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1]!;
}

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
}

export function summarizeLatency(latenciesMs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  return { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}
