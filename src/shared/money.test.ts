// Money helpers: the edge parser's refusals, yuan formatting, and each named rounding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AMOUNT_FEN_MAX,
  applyBps,
  divCeil,
  divFloor,
  divRoundHalfEven,
  divRoundHalfUp,
  formatYuan,
  formatYuanSymbol,
  parseAmountFen,
} from './money.js';

test('parseAmountFen accepts canonical whole fen up to the maximum', () => {
  assert.deepEqual(parseAmountFen('1'), { ok: true, value: 1n });
  assert.deepEqual(parseAmountFen('1250'), { ok: true, value: 1250n });
  assert.deepEqual(parseAmountFen(AMOUNT_FEN_MAX.toString()), { ok: true, value: AMOUNT_FEN_MAX });
  assert.equal(AMOUNT_FEN_MAX, 10n ** 13n);
});

test('parseAmountFen refuses everything else, saying what is wrong', () => {
  const refused = [
    1250,
    1250n,
    null,
    undefined,
    {},
    '',
    ' 1250',
    '1250 ',
    '+1250',
    '-1250',
    '01250',
    '12.50',
    '1e3',
    '1_000',
    '０１',
    '0x10',
  ];
  for (const input of refused) {
    const result = parseAmountFen(input);
    assert.equal(result.ok, false, `should refuse ${String(input)}`);
    if (!result.ok) {
      assert.equal(result.error.code, 'invalid_amount');
      assert.match(result.error.message, /amount must be a string of whole fen, like "1250" for ¥12\.50/);
    }
  }
});

test('parseAmountFen quotes bad input, but only a short prefix of it', () => {
  const result = parseAmountFen(`12.5${'x'.repeat(1000)}`);
  assert.ok(!result.ok);
  assert.match(result.error.message, /not "12\.5x{20}…"$/);
});

test('parseAmountFen refuses zero and amounts over the maximum', () => {
  for (const zero of ['0', '00']) {
    const result = parseAmountFen(zero);
    assert.ok(!result.ok);
    assert.match(result.error.message, /at least 1 fen/);
  }
  for (const tooLarge of [(AMOUNT_FEN_MAX + 1n).toString(), '9'.repeat(15), '9'.repeat(100_000)]) {
    const result = parseAmountFen(tooLarge);
    assert.ok(!result.ok);
    assert.match(result.error.message, /at most 10000000000000 fen \(¥100000000000\.00\)/);
  }
});

test('formatYuan and formatYuanSymbol', () => {
  assert.equal(formatYuan(1250n), '12.50');
  assert.equal(formatYuan(0n), '0.00');
  assert.equal(formatYuan(5n), '0.05');
  assert.equal(formatYuan(100n), '1.00');
  assert.equal(formatYuan(-5n), '-0.05');
  assert.equal(formatYuan(-123456n), '-1234.56');
  assert.equal(formatYuan(AMOUNT_FEN_MAX), '100000000000.00');
  assert.equal(formatYuanSymbol(1250n), '¥12.50');
  assert.equal(formatYuanSymbol(-5n), '-¥0.05');
});

test('division helpers round as named', () => {
  // [numerator, divisor, floor, ceil, halfUp, halfEven]
  const cases: [bigint, bigint, bigint, bigint, bigint, bigint][] = [
    [0n, 7n, 0n, 0n, 0n, 0n],
    [10n, 5n, 2n, 2n, 2n, 2n],
    [11n, 5n, 2n, 3n, 2n, 2n],
    [12n, 5n, 2n, 3n, 2n, 2n],
    [13n, 5n, 2n, 3n, 3n, 3n],
    [5n, 2n, 2n, 3n, 3n, 2n], // 2.5: half up → 3, half even → 2
    [7n, 2n, 3n, 4n, 4n, 4n], // 3.5: both → 4
    [1n, 2n, 0n, 1n, 1n, 0n], // 0.5
    [3n, 2n, 1n, 2n, 2n, 2n], // 1.5
    [1n, 1n, 1n, 1n, 1n, 1n],
  ];
  for (const [numerator, divisor, floor, ceil, halfUp, halfEven] of cases) {
    const label = `${numerator}/${divisor}`;
    assert.equal(divFloor(numerator, divisor), floor, label);
    assert.equal(divCeil(numerator, divisor), ceil, label);
    assert.equal(divRoundHalfUp(numerator, divisor), halfUp, label);
    assert.equal(divRoundHalfEven(numerator, divisor), halfEven, label);
  }
});

test('division helpers refuse a non-positive divisor or a negative numerator', () => {
  for (const divide of [divFloor, divCeil, divRoundHalfUp, divRoundHalfEven]) {
    assert.throws(() => divide(10n, 0n), RangeError);
    assert.throws(() => divide(10n, -3n), RangeError);
    assert.throws(() => divide(-10n, 3n), RangeError);
  }
});

test('applyBps', () => {
  assert.equal(applyBps(10_000n, 10, 'floor'), 10n); // 0.1% of ¥100
  assert.equal(applyBps(10_001n, 10n, 'floor'), 10n);
  assert.equal(applyBps(10_001n, 10n, 'ceil'), 11n);
  assert.equal(applyBps(15_000n, 10, 'halfUp'), 15n);
  assert.equal(applyBps(1_500n, 100, 'halfUp'), 15n);
  assert.equal(applyBps(50n, 100, 'halfUp'), 1n); // 0.5 fen
  assert.equal(applyBps(50n, 100, 'halfEven'), 0n);
  assert.equal(applyBps(150n, 100, 'halfEven'), 2n); // 1.5 fen
  assert.equal(applyBps(0n, 60, 'ceil'), 0n);
  assert.equal(applyBps(12_345n, 10_000, 'floor'), 12_345n);
  assert.throws(() => applyBps(100n, 0.5, 'floor'), RangeError);
  assert.throws(() => applyBps(100n, -1, 'floor'), RangeError);
  assert.throws(() => applyBps(-100n, 1, 'floor'), RangeError);
});
