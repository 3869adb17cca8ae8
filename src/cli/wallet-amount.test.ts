// Yuan typed on the command line to fen: every accepted spelling exact, every doubtful one refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AMOUNT_FEN_MAX } from '../shared/money.js';
import { parseYuanToFen } from './wallet-amount.js';

test('yuan with up to two decimals become exact fen', () => {
  const cases: [string, bigint][] = [
    ['12.50', 1_250n],
    ['12.5', 1_250n],
    ['12', 1_200n],
    ['0.01', 1n],
    ['0.1', 10n],
    [' 7 ', 700n],
    // Through a float these would be 114.99999999999999 and 28.999999999999996 fen.
    ['1.15', 115n],
    ['0.29', 29n],
    ['99999999999.99', 9_999_999_999_999n],
    [`${AMOUNT_FEN_MAX / 100n}`, AMOUNT_FEN_MAX],
  ];
  for (const [text, fen] of cases) {
    const parsed = parseYuanToFen(text);
    assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.error.message}`);
    assert.equal(parsed.value, fen, text);
  }
});

test('fractions of a fen, signs, exponents, separators, zero and too much are refused', () => {
  const refused = [
    '1.001',
    '0.005',
    '-1',
    '+1',
    '1e3',
    '0x10',
    '12,50',
    '1 000',
    '.5',
    '5.',
    '012',
    '0',
    '0.00',
    '',
    '¥5',
    'NaN',
  ];
  for (const text of refused) {
    const parsed = parseYuanToFen(text);
    assert.equal(parsed.ok, false, text);
    assert.equal(parsed.ok ? '' : parsed.error.code, 'invalid_amount');
  }
  assert.equal(parseYuanToFen(`${AMOUNT_FEN_MAX / 100n}.01`).ok, false);
  assert.equal(parseYuanToFen('9'.repeat(10_000)).ok, false);
});
