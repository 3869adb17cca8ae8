// Asks the database for `SELECT 1` with a deadline: a health check or a CLI command must say
// "the database does not answer" rather than hang on a server that swallows packets.
import { sql } from 'kysely';
import type { Store } from '../store/store.js';

export async function pingStore(store: Store, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: Error }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`SELECT 1`.execute(store.db), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  } finally {
    clearTimeout(timer);
  }
}
