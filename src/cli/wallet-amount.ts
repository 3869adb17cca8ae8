// Amounts as people type them on the command line, in yuan ("12.50", "12.5", "12"), turned into
// whole fen exactly — by digits, never through a float — and refused when they name a fraction of
// a fen, a sign, or an exponent.
import { AMOUNT_FEN_MAX, formatYuan } from '../shared/money.js';
import { ok, problem, type Result } from '../shared/result.js';

/** Whole yuan without leading zeros, then at most two decimals: one spelling a value, as on a receipt. */
const YUAN_PATTERN = /^(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?$/;
const YUAN_HINT = 'an amount in yuan with at most two decimals, like 12.50, 12.5 or 12';

export function parseYuanToFen(text: string): Result<bigint, 'invalid_amount'> {
  const match = YUAN_PATTERN.exec(text.trim());
  const shown = JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}…` : text);
  if (!match) return problem('invalid_amount', `expected ${YUAN_HINT}, not ${shown}`);
  const [, whole = '', decimals = ''] = match;
  // Checked before BigInt() so that a page of digits is refused cheaply.
  const tooLarge = problem('invalid_amount', `the amount must be at most ¥${formatYuan(AMOUNT_FEN_MAX)}, not ${shown}`);
  if (whole.length > AMOUNT_FEN_MAX.toString().length - 2) return tooLarge;
  const amountFen = BigInt(whole) * 100n + BigInt(decimals.padEnd(2, '0'));
  if (amountFen === 0n) return problem('invalid_amount', 'the amount must be at least ¥0.01');
  return amountFen > AMOUNT_FEN_MAX ? tooLarge : ok(amountFen);
}
