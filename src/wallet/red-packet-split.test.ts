// Red packet splits: exact sums and 1-fen minimums over many random cases, determinism of the
// seeded source, the edge cases and refusals, and a rough check that no position is favoured.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSeededRandom, cryptoRandom, splitEqual, splitLucky, type RandomSource } from './red-packet-split.js';

const sum = (values: bigint[]): bigint => values.reduce((total, value) => total + value, 0n);

function luckyShares(totalFen: bigint, count: number, random: RandomSource): bigint[] {
  const result = splitLucky(totalFen, count, random);
  assert.ok(result.ok, `splitLucky(${totalFen}, ${count}) should succeed`);
  return result.value;
}

test('nextBelow stays in range and is roughly uniform', () => {
  const random = createSeededRandom('uniformity');
  const counts = new Array<number>(6).fill(0);
  for (let draw = 0; draw < 60_000; draw += 1) {
    const value = random.nextBelow(6n);
    assert.ok(value >= 0n && value < 6n);
    counts[Number(value)] = (counts[Number(value)] ?? 0) + 1;
  }
  // Expected 10 000 each, standard deviation about 91.
  for (const count of counts) assert.ok(Math.abs(count - 10_000) < 500, `counts ${counts.join(', ')}`);
  assert.equal(random.nextBelow(1n), 0n);
});

test('nextBelow handles bounds wider than 32 and 48 bits', () => {
  for (const source of [createSeededRandom('wide'), cryptoRandom]) {
    for (const bound of [2n ** 32n + 1n, 2n ** 48n, 2n ** 48n + 1n, 2n ** 100n + 7n]) {
      let sawUpperHalf = false;
      for (let draw = 0; draw < 200; draw += 1) {
        const value = source.nextBelow(bound);
        assert.ok(value >= 0n && value < bound);
        if (value >= bound / 2n) sawUpperHalf = true;
      }
      assert.ok(sawUpperHalf, `bound ${bound}: the high words are used`);
    }
  }
});

test('nextBelow refuses a bound below 1', () => {
  for (const source of [createSeededRandom(1), cryptoRandom]) {
    assert.throws(() => source.nextBelow(0n), RangeError);
    assert.throws(() => source.nextBelow(-5n), RangeError);
  }
});

test('the seeded source is deterministic per seed, and seeds differ', () => {
  const draw = (seed: string | number): bigint[] => {
    const random = createSeededRandom(seed);
    return Array.from({ length: 20 }, () => random.nextBelow(1_000_000_000n));
  };
  assert.deepEqual(draw('packet-42'), draw('packet-42'));
  assert.deepEqual(draw(7), draw('7'));
  assert.notDeepEqual(draw('packet-42'), draw('packet-43'));
  assert.notDeepEqual(draw(1), draw(2));
});

test('lucky shares always sum to the total with at least 1 fen each (2000 random cases)', () => {
  const cases = createSeededRandom('cases');
  for (let index = 0; index < 2000; index += 1) {
    const count = 1 + Number(cases.nextBelow(100n));
    // Mostly tight totals (a few fen per share) where the 1-fen floor matters, some large ones.
    const totalFen =
      index % 4 === 0
        ? BigInt(count) + cases.nextBelow(20_000_000n)
        : BigInt(count) + cases.nextBelow(BigInt(3 * count));
    const shares = luckyShares(totalFen, count, createSeededRandom(`split-${index}`));
    assert.equal(shares.length, count);
    assert.equal(sum(shares), totalFen, `case ${index}: ${totalFen} fen over ${count}`);
    for (const share of shares) assert.ok(share >= 1n, `case ${index}: share ${share}`);
  }
});

test('each lucky share but the last is at most twice the mean of what remained', () => {
  const shares = luckyShares(10_000n, 10, createSeededRandom('bounds'));
  let remainingFen = 10_000n;
  shares.slice(0, -1).forEach((share, index) => {
    assert.ok(share <= 2n * (remainingFen / BigInt(10 - index)));
    remainingFen -= share;
  });
});

test('lucky splits are deterministic for the same seed and differ across seeds', () => {
  const first = luckyShares(100_00n, 8, createSeededRandom('same'));
  assert.deepEqual(luckyShares(100_00n, 8, createSeededRandom('same')), first);
  assert.notDeepEqual(luckyShares(100_00n, 8, createSeededRandom('other')), first);
});

test('lucky edge cases: total equal to count, and a single share', () => {
  assert.deepEqual(luckyShares(5n, 5, createSeededRandom('tight')), [1n, 1n, 1n, 1n, 1n]);
  assert.deepEqual(luckyShares(1n, 1, createSeededRandom('one')), [1n]);
  assert.deepEqual(luckyShares(888_88n, 1, createSeededRandom('one')), [888_88n]);
  assert.deepEqual(luckyShares(2n, 2, cryptoRandom), [1n, 1n]);
});

test('lucky splits work with the crypto source', () => {
  for (let index = 0; index < 200; index += 1) {
    const shares = luckyShares(200_00n, 20, cryptoRandom);
    assert.equal(sum(shares), 200_00n);
    for (const share of shares) assert.ok(share >= 1n);
  }
});

test('refusals: fewer than one share, fractional counts, and too little money', () => {
  const random = createSeededRandom('refusals');
  for (const [totalFen, count, pattern] of [
    [100n, 0, /at least 1; got 0/],
    [100n, -3, /at least 1; got -3/],
    [100n, 2.5, /whole number of shares/],
    [100n, Number.NaN, /whole number of shares/],
    [2n, 3, /¥0\.02 cannot give each of 3 shares at least 1 fen/],
    [0n, 1, /¥0\.00 cannot give each of 1 shares/],
    [-100n, 1, /cannot give/],
  ] as const) {
    for (const result of [splitLucky(totalFen, count, random), splitEqual(totalFen, count)]) {
      assert.ok(!result.ok, `${totalFen} over ${count}`);
      assert.equal(result.error.code, 'invalid_split');
      assert.match(result.error.message, pattern);
    }
  }
});

test('no position is favoured: each position averages about total / count', () => {
  const runs = 20_000;
  const count = 5;
  const totalFen = 100_00n;
  const sumsFen = new Array<bigint>(count).fill(0n);
  const random = createSeededRandom('fairness');
  for (let run = 0; run < runs; run += 1) {
    luckyShares(totalFen, count, random).forEach((share, index) => {
      sumsFen[index] = (sumsFen[index] ?? 0n) + share;
    });
  }
  const expectedFen = Number(totalFen) / count;
  sumsFen.forEach((positionSumFen, index) => {
    const meanFen = Number(positionSumFen) / runs;
    // The first share is uniform on [1, 4000]: its mean's standard deviation is about 8 fen here.
    assert.ok(Math.abs(meanFen - expectedFen) < expectedFen * 0.03, `position ${index}: mean ${meanFen} fen`);
  });
});

test('splitEqual divides evenly or refuses', () => {
  assert.deepEqual(splitEqual(100n, 4), { ok: true, value: [25n, 25n, 25n, 25n] });
  assert.deepEqual(splitEqual(1n, 1), { ok: true, value: [1n] });
  assert.deepEqual(splitEqual(3n, 3), { ok: true, value: [1n, 1n, 1n] });
  const uneven = splitEqual(100n, 3);
  assert.ok(!uneven.ok);
  assert.equal(uneven.error.code, 'invalid_split');
  assert.match(
    uneven.error.message,
    /¥1\.00 does not divide into 3 equal shares: the per-share amount must be whole fen/,
  );
});
