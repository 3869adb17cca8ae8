// A short-lived cache for rows that every request reads and that rarely change (a merchant app's
// key, a webhook URL): a change made elsewhere is seen within the TTL. Only values that were
// found are kept — a row created a moment ago is never hidden by a cached "not found".
// Time here is the machine's monotonic clock, not the business clock: tests that move the
// business clock forward do not age the cache.
import { performance } from 'node:perf_hooks';

export interface RecentCache<Key, Value> {
  get(key: Key): Value | undefined;
  set(key: Key, value: Value): void;
  delete(key: Key): void;
}

export function createRecentCache<Key, Value>(ttlMs: number, entriesMax: number): RecentCache<Key, Value> {
  const entries = new Map<Key, { value: Value; atMs: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (performance.now() - entry.atMs > ttlMs) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value) {
      if (entries.size >= entriesMax) entries.clear();
      entries.set(key, { value, atMs: performance.now() });
    },
    delete: (key) => void entries.delete(key),
  };
}
