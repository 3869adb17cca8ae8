import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeOrderedId } from './ids.js';

describe('timeOrderedId', () => {
  it('sorts as text in the order the times were given', () => {
    const times = [0, 1, 35, 36, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000, 36 ** 9 - 1];
    const ids = times.map((ms) => timeOrderedId('ord_', ms));
    assert.deepEqual([...ids].sort(), ids);
    for (const id of ids) assert.match(id, /^ord_[0-9a-z]{9}[A-Za-z0-9_-]{12}$/);
  });

  it('differs within one millisecond', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => timeOrderedId('evt_', 1_800_000_000_000n, 12)));
    assert.equal(ids.size, 1_000);
    assert.match([...ids][0]!, /^evt_[0-9a-z]{9}[A-Za-z0-9_-]{16}$/);
  });

  it('refuses a time it cannot write in nine digits', () => {
    assert.throws(() => timeOrderedId('o', -1), RangeError);
    assert.throws(() => timeOrderedId('o', 36 ** 9), RangeError);
    assert.throws(() => timeOrderedId('o', 1.5), RangeError);
  });
});
