// Luhn check: known valid and invalid numbers, the length limits, and check-digit generation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { luhnCheckDigit, luhnValid } from './luhn.js';

test('luhnValid accepts known valid card numbers', () => {
  for (const digits of [
    '4111111111111111',
    '5555555555554444',
    '378282246310005',
    '6011111111111117',
    '6212345678901265',
  ]) {
    assert.equal(luhnValid(digits), true, digits);
  }
});

test('luhnValid refuses a changed digit or a swap', () => {
  assert.equal(luhnValid('4111111111111112'), false);
  assert.equal(luhnValid('4111111111111121'), false);
  assert.equal(luhnValid('5555555555554443'), false);
  assert.equal(luhnValid('378282246310050'), false); // 378282246310005 with its last two digits swapped
});

test('luhnValid takes 12 to 19 digits only', () => {
  assert.equal(luhnValid('79927398713'), false); // valid Luhn, but 11 digits is no card
  assert.equal(luhnValid('000000000000'), true); // 12 digits
  assert.equal(luhnValid('0000000000000000000'), true); // 19 digits
  assert.equal(luhnValid('00000000000000000000'), false); // 20 digits
  for (const text of ['', '4111 1111 1111 1111', '4111-1111-1111-1111', '411111111111111a', '４111111111111111']) {
    assert.equal(luhnValid(text), false, text);
  }
});

test('luhnCheckDigit computes the digit that makes a number valid', () => {
  assert.equal(luhnCheckDigit('7992739871'), '3'); // the classic example: 79927398713
  assert.equal(luhnCheckDigit('411111111111111'), '1');
  assert.equal(luhnCheckDigit('621234567890126'), '5');
  assert.equal(luhnCheckDigit('0'), '0');
  for (let prefix = 100_000_000_000; prefix < 100_000_000_000 + 500; prefix += 7) {
    const partial = `62${prefix}`;
    assert.equal(luhnValid(partial + luhnCheckDigit(partial)), true, partial);
  }
  assert.throws(() => luhnCheckDigit(''), RangeError);
  assert.throws(() => luhnCheckDigit('12 34'), RangeError);
});
