// Where the key that seals ID and card numbers comes from: SAOMA_FIELD_KEY when set; otherwise,
// for a SQLite file, a key generated once and kept beside the database (`saoma.db.key`, mode
// 0600), so that `npm start` needs no set-up. PostgreSQL serves several processes, which must
// share one key: there it has to be configured. An in-memory database gets a throwaway key.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseDatabaseUrl } from '../store/store.js';
import { parseMasterKey } from './field-cipher.js';

export function resolveFieldKey(databaseUrl: string, configured: Buffer | null | undefined): Buffer {
  if (configured) return configured;
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'postgres') {
    throw new Error(
      'SAOMA_FIELD_KEY is required with PostgreSQL (every process must seal ID and card numbers with the same key): ' +
        'set it to 64 hex characters, for example the output of `openssl rand -hex 32`',
    );
  }
  if (target.path === ':memory:') return randomBytes(32);
  const keyPath = `${target.path}.key`;
  if (!existsSync(keyPath)) {
    // `wx`: if another process created it first, fail rather than overwrite its key.
    writeFileSync(keyPath, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const parsed = parseMasterKey(readFileSync(keyPath, 'utf8').trim());
  if (!parsed.ok) throw new Error(`${keyPath}: ${parsed.error.message}`);
  return parsed.value;
}
