// Money as bigint fen (1 yuan = 100 fen): parsing amounts at the API edge, formatting for people,
// and integer division whose rounding is named at every call site, so no float ever touches money.
import { ok, problem, type Result } from './result.js';

/** The largest amount accepted at the API edge: ¥100 billion, in fen. */
export const AMOUNT_FEN_MAX = 100_000_000_000_00n;

const WHOLE_FEN_PATTERN = /^[1-9][0-9]*$/;
const WHOLE_FEN_HINT = 'amount must be a string of whole fen, like "1250" for ¥12.50';

/**
 * Parses an amount in fen from untrusted input. Only canonical decimal strings are accepted
 * (no sign, spaces, leading zeros or decimals) so that one amount has exactly one spelling.
 */
export function parseAmountFen(text: unknown): Result<bigint, 'invalid_amount'> {
  if (typeof text !== 'string') return problem('invalid_amount', `${WHOLE_FEN_HINT}, not ${describeType(text)}`);
  if (/^0+$/.test(text)) return problem('invalid_amount', 'amount must be at least 1 fen');
  if (!WHOLE_FEN_PATTERN.test(text)) return problem('invalid_amount', `${WHOLE_FEN_HINT}, not ${quoteShort(text)}`);
  // Check the length before BigInt() so a megabyte of digits is refused cheaply.
  const tooLarge = problem(
    'invalid_amount',
    `amount must be at most ${AMOUNT_FEN_MAX} fen (¥${formatYuan(AMOUNT_FEN_MAX)})`,
  );
  if (text.length > AMOUNT_FEN_MAX.toString().length) return tooLarge;
  const amountFen = BigInt(text);
  return amountFen > AMOUNT_FEN_MAX ? tooLarge : ok(amountFen);
}

// Untrusted text goes into the message, so only a bounded prefix of it.
function quoteShort(text: string): string {
  return JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}…` : text);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'number' ? `the number ${value}` : `a ${typeof value}`;
}

/** 1250n → "12.50", -5n → "-0.05". */
export function formatYuan(amountFen: bigint): string {
  const sign = amountFen < 0n ? '-' : '';
  const absoluteFen = amountFen < 0n ? -amountFen : amountFen;
  const fenPart = (absoluteFen % 100n).toString().padStart(2, '0');
  return `${sign}${absoluteFen / 100n}.${fenPart}`;
}

/** 1250n → "¥12.50", -5n → "-¥0.05". */
export function formatYuanSymbol(amountFen: bigint): string {
  const formatted = formatYuan(amountFen);
  return formatted.startsWith('-') ? `-¥${formatted.slice(1)}` : `¥${formatted}`;
}

// The division helpers take non-negative numerators only: bigint `/` truncates toward zero,
// so "floor" and "ceil" would silently swap meaning for negative values.
function assertDivisible(numerator: bigint, divisor: bigint): void {
  if (divisor <= 0n) throw new RangeError(`divisor must be positive, got ${divisor}`);
  if (numerator < 0n) throw new RangeError(`numerator must not be negative, got ${numerator}`);
}

export function divFloor(numerator: bigint, divisor: bigint): bigint {
  assertDivisible(numerator, divisor);
  return numerator / divisor;
}

export function divCeil(numerator: bigint, divisor: bigint): bigint {
  assertDivisible(numerator, divisor);
  return (numerator + divisor - 1n) / divisor;
}

/** Rounds to nearest; exact halves go up (the usual commercial rounding). */
export function divRoundHalfUp(numerator: bigint, divisor: bigint): bigint {
  assertDivisible(numerator, divisor);
  const quotient = numerator / divisor;
  return 2n * (numerator % divisor) >= divisor ? quotient + 1n : quotient;
}

/** Rounds to nearest; exact halves go to the even neighbour (banker's rounding, unbiased over many sums). */
export function divRoundHalfEven(numerator: bigint, divisor: bigint): bigint {
  assertDivisible(numerator, divisor);
  const quotient = numerator / divisor;
  const twiceRemainder = 2n * (numerator % divisor);
  if (twiceRemainder > divisor) return quotient + 1n;
  if (twiceRemainder === divisor && quotient % 2n === 1n) return quotient + 1n;
  return quotient;
}

export type Rounding = 'floor' | 'ceil' | 'halfUp' | 'halfEven';

const BPS_PER_WHOLE = 10_000n;

const DIVIDE_BY_ROUNDING: Record<Rounding, (numerator: bigint, divisor: bigint) => bigint> = {
  floor: divFloor,
  ceil: divCeil,
  halfUp: divRoundHalfUp,
  halfEven: divRoundHalfEven,
};

/** amountFen × rateBps / 10 000, rounded as named. Both must be non-negative; 1 bps = 0.01%. */
export function applyBps(amountFen: bigint, rateBps: bigint | number, rounding: Rounding): bigint {
  if (typeof rateBps === 'number' && !Number.isSafeInteger(rateBps)) {
    throw new RangeError(`rateBps must be a whole number of basis points, got ${rateBps}`);
  }
  const rate = BigInt(rateBps);
  if (rate < 0n) throw new RangeError(`rateBps must not be negative, got ${rate}`);
  return DIVIDE_BY_ROUNDING[rounding](amountFen * rate, BPS_PER_WHOLE);
}
