// The reply serializer: plain replies as JSON.stringify makes them, a stray bigint as a string.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringifyWithBigints } from './ledger-json.js';

test('replies without bigints are plain JSON; a bigint anywhere leaves as a string of digits', () => {
  const plain = { order_id: 'ord_1', amount: '1200', paid_at: null, tags: ['a', 1] };
  assert.equal(stringifyWithBigints(plain), JSON.stringify(plain));
  assert.equal(
    stringifyWithBigints({ amount: 9_007_199_254_740_993n, nested: [{ fee: 7n }] }),
    '{"amount":"9007199254740993","nested":[{"fee":"7"}]}',
  );
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  assert.throws(() => stringifyWithBigints(circular), TypeError);
});
