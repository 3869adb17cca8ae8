import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSignedInCache } from './signed-in-cache.js';

test('a remembered answer is given back until the next change, which forgets every answer', () => {
  const cache = createSignedInCache<string>(10);
  cache.remember('t1', 'alice', cache.generation());
  cache.remember('t2', 'bob', cache.generation());
  assert.equal(cache.get('t1'), 'alice');
  cache.changed();
  assert.equal(cache.get('t1'), undefined);
  assert.equal(cache.get('t2'), undefined);
  cache.remember('t1', 'alice again', cache.generation());
  assert.equal(cache.get('t1'), 'alice again');
});

test('an answer read while a change committed is not remembered: it may predate the change', () => {
  const cache = createSignedInCache<string>(10);
  const seen = cache.generation();
  cache.changed(); // a write landed between the read's start and its answer
  cache.remember('t1', 'read before the write', seen);
  assert.equal(cache.get('t1'), undefined);
});

test('past its size the cache starts again empty rather than growing', () => {
  const cache = createSignedInCache<number>(3);
  for (let index = 0; index < 3; index++) cache.remember(`t${index}`, index, cache.generation());
  assert.equal(cache.get('t2'), 2);
  cache.remember('t3', 3, cache.generation());
  assert.deepEqual(
    ['t0', 't1', 't2', 't3'].map((token) => cache.get(token)),
    [undefined, undefined, undefined, 3],
  );
});
