// Withdrawal fees: the free quota, the minimum fee just past it, the rate on large amounts, and
// rounding of fractional fen upward.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeWithdrawalFee } from './withdrawal-fee.js';

// WeChat Pay's published terms: ¥1,000 free per person, then 0.1% with a ¥0.10 minimum.
const TERMS = { feeRateBps: 10, feeMinFen: 10n };

test('within the free quota there is no fee', () => {
  assert.deepEqual(computeWithdrawalFee({ ...TERMS, amountFen: 500_00n, freeQuotaLeftFen: 1_000_00n }), {
    feeFen: 0n,
    freeFen: 500_00n,
    chargeableFen: 0n,
  });
});

test('exactly the quota left is still free', () => {
  assert.deepEqual(computeWithdrawalFee({ ...TERMS, amountFen: 1_000_00n, freeQuotaLeftFen: 1_000_00n }), {
    feeFen: 0n,
    freeFen: 1_000_00n,
    chargeableFen: 0n,
  });
});

test('1 fen over the quota pays the minimum fee', () => {
  assert.deepEqual(computeWithdrawalFee({ ...TERMS, amountFen: 1_000_01n, freeQuotaLeftFen: 1_000_00n }), {
    feeFen: 10n,
    freeFen: 1_000_00n,
    chargeableFen: 1n,
  });
});

test('large amounts pay the rate, rounded up to whole fen', () => {
  // ¥100,000 with no quota: 0.1% is ¥100.00.
  assert.deepEqual(computeWithdrawalFee({ ...TERMS, amountFen: 100_000_00n, freeQuotaLeftFen: 0n }), {
    feeFen: 100_00n,
    freeFen: 0n,
    chargeableFen: 100_000_00n,
  });
  // ¥100.01 over a ¥900 quota left: 0.1% of 10 001 fen is 10.001 fen, rounded up to 11.
  assert.deepEqual(computeWithdrawalFee({ ...TERMS, amountFen: 1_000_01n, freeQuotaLeftFen: 900_00n }), {
    feeFen: 11n,
    freeFen: 900_00n,
    chargeableFen: 100_01n,
  });
  // ¥100 exactly over: 10 fen by rate, equal to the minimum.
  assert.equal(computeWithdrawalFee({ ...TERMS, amountFen: 100_00n, freeQuotaLeftFen: 0n }).feeFen, 10n);
});

test('with no quota left the whole amount is chargeable', () => {
  assert.deepEqual(computeWithdrawalFee({ ...TERMS, amountFen: 50_00n, freeQuotaLeftFen: 0n }), {
    feeFen: 10n,
    freeFen: 0n,
    chargeableFen: 50_00n,
  });
  assert.deepEqual(computeWithdrawalFee({ feeRateBps: 60n, feeMinFen: 0n, amountFen: 1_00n, freeQuotaLeftFen: 0n }), {
    feeFen: 1n, // 0.6 fen, rounded up
    freeFen: 0n,
    chargeableFen: 1_00n,
  });
});

test('negative inputs are programming errors', () => {
  assert.throws(() => computeWithdrawalFee({ ...TERMS, amountFen: -1n, freeQuotaLeftFen: 0n }), RangeError);
  assert.throws(() => computeWithdrawalFee({ ...TERMS, amountFen: 1n, freeQuotaLeftFen: -1n }), RangeError);
  assert.throws(
    () => computeWithdrawalFee({ ...TERMS, amountFen: 1n, freeQuotaLeftFen: 0n, feeMinFen: -1n }),
    RangeError,
  );
  assert.throws(
    () => computeWithdrawalFee({ ...TERMS, amountFen: 1n, freeQuotaLeftFen: 0n, feeRateBps: -1 }),
    RangeError,
  );
});
