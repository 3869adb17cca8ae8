// Retry schedules: the two providers' figures from DESIGN.md, and where a round ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALIPAY_LIKE_RETRY_SECONDS,
  attemptsPerRound,
  checkRetrySchedule,
  RETRY_WAIT_SECONDS_MAX,
  waitAfterFailureSeconds,
  WECHAT_LIKE_RETRY_SECONDS,
} from './retry-schedules.js';

const m = 60;
const h = 3600;

test('the two schedules are the figures of DESIGN.md', () => {
  assert.deepEqual(ALIPAY_LIKE_RETRY_SECONDS, [4 * m, 10 * m, 10 * m, 1 * h, 2 * h, 6 * h, 15 * h]);
  assert.deepEqual(WECHAT_LIKE_RETRY_SECONDS, [
    15,
    15,
    30,
    3 * m,
    10 * m,
    20 * m,
    30 * m,
    30 * m,
    30 * m,
    60 * m,
    3 * h,
    3 * h,
    3 * h,
    6 * h,
    6 * h,
  ]);
  assert.ok(Object.isFrozen(ALIPAY_LIKE_RETRY_SECONDS) && Object.isFrozen(WECHAT_LIKE_RETRY_SECONDS));
  assert.equal(attemptsPerRound(ALIPAY_LIKE_RETRY_SECONDS), 8);
  assert.equal(attemptsPerRound(WECHAT_LIKE_RETRY_SECONDS), 16);
  // About 25 h from the first attempt to the last.
  assert.equal(
    ALIPAY_LIKE_RETRY_SECONDS.reduce((sum, wait) => sum + wait, 0),
    24 * h + 24 * m,
  );
  assert.ok(checkRetrySchedule(ALIPAY_LIKE_RETRY_SECONDS).ok && checkRetrySchedule(WECHAT_LIKE_RETRY_SECONDS).ok);
});

test('the wait after each failed attempt, and the end of the round', () => {
  const schedule = [15, 30];
  assert.equal(waitAfterFailureSeconds(schedule, 1), 15);
  assert.equal(waitAfterFailureSeconds(schedule, 2), 30);
  assert.equal(waitAfterFailureSeconds(schedule, 3), null, 'the third attempt was the last');
  assert.equal(waitAfterFailureSeconds([], 1), null, 'an empty schedule: one attempt, no retry');
  assert.throws(() => waitAfterFailureSeconds(schedule, 0), RangeError);
});

test('a schedule has an end: at most 32 waits of 1 s to a week, whole seconds', () => {
  assert.equal(checkRetrySchedule([]).ok, true);
  assert.equal(checkRetrySchedule([RETRY_WAIT_SECONDS_MAX]).ok, true);
  for (const bad of [
    [0],
    [-1],
    [1.5],
    [RETRY_WAIT_SECONDS_MAX + 1],
    [Number.NaN],
    Array.from({ length: 33 }, () => 1),
  ]) {
    assert.equal(checkRetrySchedule(bad).ok, false, JSON.stringify(bad));
  }
});
