// One injected clock for the whole process. Tests use a manual clock and move it forward
// instead of sleeping.

export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export interface ManualClock extends Clock {
  advanceMs(durationMs: number): void;
  setMs(atMs: number): void;
}

export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let currentMs = startMs;
  return {
    nowMs: () => currentMs,
    advanceMs(durationMs) {
      if (durationMs < 0) throw new Error('a clock does not go backwards');
      currentMs += durationMs;
    },
    setMs(atMs) {
      currentMs = atMs;
    },
  };
}
