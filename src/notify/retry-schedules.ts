// Retry schedules as data: the waits, in seconds, after each failed delivery attempt. The first
// attempt is immediate; after the last wait's attempt fails too, the event is given up on.
import { ok, problem, type Result } from '../shared/result.js';

const MINUTE_SECONDS = 60;
const HOUR_SECONDS = 3600;

/** The Alipay-like provider: 4 m, 10 m, 10 m, 1 h, 2 h, 6 h, 15 h (eight attempts in about 25 h). */
export const ALIPAY_LIKE_RETRY_SECONDS: readonly number[] = Object.freeze([
  4 * MINUTE_SECONDS,
  10 * MINUTE_SECONDS,
  10 * MINUTE_SECONDS,
  1 * HOUR_SECONDS,
  2 * HOUR_SECONDS,
  6 * HOUR_SECONDS,
  15 * HOUR_SECONDS,
]);

/** The WeChat-Pay-like provider: 15 s, 15 s, 30 s, 3 m, 10 m, 20 m, 30 m ×3, 60 m, 3 h ×3, 6 h ×2. */
export const WECHAT_LIKE_RETRY_SECONDS: readonly number[] = Object.freeze([
  15,
  15,
  30,
  3 * MINUTE_SECONDS,
  10 * MINUTE_SECONDS,
  20 * MINUTE_SECONDS,
  30 * MINUTE_SECONDS,
  30 * MINUTE_SECONDS,
  30 * MINUTE_SECONDS,
  60 * MINUTE_SECONDS,
  3 * HOUR_SECONDS,
  3 * HOUR_SECONDS,
  3 * HOUR_SECONDS,
  6 * HOUR_SECONDS,
  6 * HOUR_SECONDS,
]);

/** Every retry has an end: at most this many waits, each at most a week. */
export const RETRY_SCHEDULE_LENGTH_MAX = 32;
export const RETRY_WAIT_SECONDS_MAX = 7 * 24 * HOUR_SECONDS;

export function checkRetrySchedule(seconds: readonly number[]): Result<readonly number[], 'invalid_retry_schedule'> {
  if (!Array.isArray(seconds) || seconds.length > RETRY_SCHEDULE_LENGTH_MAX) {
    return problem(
      'invalid_retry_schedule',
      `a retry schedule is a list of at most ${RETRY_SCHEDULE_LENGTH_MAX} waits`,
    );
  }
  const bad = seconds.find((wait) => !Number.isSafeInteger(wait) || wait < 1 || wait > RETRY_WAIT_SECONDS_MAX);
  if (bad !== undefined) {
    return problem(
      'invalid_retry_schedule',
      `each wait is whole seconds from 1 to ${RETRY_WAIT_SECONDS_MAX}, not ${String(bad)}`,
    );
  }
  return ok(Object.freeze([...seconds]));
}

/** Attempts in one round: the immediate one and one after each wait. */
export const attemptsPerRound = (schedule: readonly number[]): number => schedule.length + 1;

/**
 * The wait after the `attemptInRound`-th attempt of a round (1-based) failed, or null when that
 * was the round's last attempt and the event is given up on.
 */
export function waitAfterFailureSeconds(schedule: readonly number[], attemptInRound: number): number | null {
  if (!Number.isSafeInteger(attemptInRound) || attemptInRound < 1) {
    throw new RangeError(`attempts in a round count from 1, got ${attemptInRound}`);
  }
  return schedule[attemptInRound - 1] ?? null;
}

/** Reads a stored schedule; it was checked on the way in, so a bad one is a broken invariant. */
export function parseStoredSchedule(text: string): readonly number[] {
  const parsed: unknown = JSON.parse(text);
  const checked = checkRetrySchedule(parsed as number[]);
  if (!checked.ok) throw new Error(`a stored retry schedule is invalid (${text}): ${checked.error.message}`);
  return checked.value;
}
