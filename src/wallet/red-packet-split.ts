// Splitting a red packet (红包) into shares: "lucky" random shares by WeChat's double-the-mean
// method, or equal shares. Randomness is injected so tests and replays are deterministic.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { formatYuanSymbol } from '../shared/money.js';
import { ok, problem, type Result } from '../shared/result.js';

export interface RandomSource {
  /** A uniformly distributed integer in [0, bound); bound must be at least 1. */
  nextBelow(bound: bigint): bigint;
}

function assertBound(bound: bigint): void {
  if (bound < 1n) throw new RangeError(`random bound must be at least 1, got ${bound}`);
}

/**
 * Uniform in [0, bound) from a source of 32-bit words: draw just enough bits to cover bound − 1
 * and retry when the draw lands past it. Rejection keeps every value equally likely (taking the
 * draw modulo bound would favour small values), and at most half of the draws are rejected.
 */
function uniformBelow(bound: bigint, nextUint32: () => number): bigint {
  assertBound(bound);
  if (bound === 1n) return 0n;
  const bitCount = (bound - 1n).toString(2).length;
  const wordCount = Math.ceil(bitCount / 32);
  const mask = (1n << BigInt(bitCount)) - 1n;
  for (;;) {
    let draw = 0n;
    for (let word = 0; word < wordCount; word += 1) draw = (draw << 32n) | BigInt(nextUint32());
    draw &= mask;
    if (draw < bound) return draw;
  }
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): small, fast, and passes PractRand. */
function sfc32(state: Uint32Array): () => number {
  let [a = 0, b = 0, c = 0, d = 0] = state;
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

/**
 * A deterministic source for tests and replays: the same seed always gives the same sequence.
 * The seed is hashed so that similar seeds ("1", "2") still start far apart; a number is seeded
 * by its decimal text, so 7 and "7" give the same sequence.
 */
export function createSeededRandom(seed: string | number): RandomSource {
  const digest = createHash('sha256').update(String(seed), 'utf8').digest();
  const state = new Uint32Array(4);
  for (let index = 0; index < 4; index += 1) state[index] = digest.readUInt32BE(index * 4);
  const next = sfc32(state);
  // The usual warm-up, so the first outputs do not echo the seed words.
  for (let round = 0; round < 12; round += 1) next();
  return { nextBelow: (bound) => uniformBelow(bound, next) };
}

// crypto.randomInt only takes ranges below 2^48.
const RANDOM_INT_BOUND_LIMIT = 2n ** 48n;

/** The production source: the operating system's CSPRNG, so shares cannot be predicted. */
export const cryptoRandom: RandomSource = {
  nextBelow(bound) {
    assertBound(bound);
    if (bound < RANDOM_INT_BOUND_LIMIT) return BigInt(randomInt(Number(bound)));
    return uniformBelow(bound, () => randomBytes(4).readUInt32BE(0));
  },
};

function checkShares(totalFen: bigint, count: number): Result<void, 'invalid_split'> {
  if (!Number.isSafeInteger(count) || count < 1) {
    return problem('invalid_split', `a red packet needs a whole number of shares, at least 1; got ${count}`);
  }
  if (totalFen < BigInt(count)) {
    return problem(
      'invalid_split',
      `${formatYuanSymbol(totalFen)} cannot give each of ${count} shares at least 1 fen (¥0.01)`,
    );
  }
  return ok(undefined);
}

/**
 * Random shares by double-the-mean: each share but the last is uniform in [1, 2 × ⌊remaining /
 * sharesLeft⌋] fen, capped so every later share can still get 1 fen; the last takes what is left.
 * Each draw averages the current mean, so every position expects about total / count.
 */
export function splitLucky(totalFen: bigint, count: number, random: RandomSource): Result<bigint[], 'invalid_split'> {
  const checked = checkShares(totalFen, count);
  if (!checked.ok) return checked;
  const sharesFen: bigint[] = [];
  let remainingFen = totalFen;
  for (let sharesLeft = count; sharesLeft > 1; sharesLeft -= 1) {
    const meanFen = remainingFen / BigInt(sharesLeft);
    const reservedFen = BigInt(sharesLeft - 1); // 1 fen for each share after this one
    const maxShareFen = 2n * meanFen < remainingFen - reservedFen ? 2n * meanFen : remainingFen - reservedFen;
    const shareFen = 1n + random.nextBelow(maxShareFen);
    sharesFen.push(shareFen);
    remainingFen -= shareFen;
  }
  sharesFen.push(remainingFen);
  return ok(sharesFen);
}

/** Equal shares; refused unless the total divides evenly, since a share cannot hold part of a fen. */
export function splitEqual(totalFen: bigint, count: number): Result<bigint[], 'invalid_split'> {
  const checked = checkShares(totalFen, count);
  if (!checked.ok) return checked;
  if (totalFen % BigInt(count) !== 0n) {
    return problem(
      'invalid_split',
      `${formatYuanSymbol(totalFen)} does not divide into ${count} equal shares: the per-share amount must be whole fen`,
    );
  }
  return ok(Array.from({ length: count }, () => totalFen / BigInt(count)));
}
