// Test support: the stores every conformance suite runs against. SQLite always; PostgreSQL
// when SAOMA_TEST_POSTGRES names a server (npm test under .ci/run sets it). Each test gets a
// fresh database: an in-memory or temporary SQLite file, or a PostgreSQL schema of its own.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../store/migrations.js';
import { runOnServer, urlWithSessionOptions } from '../store/postgres-server.js';
import { openStore, type Store, type StoreKind } from '../store/store.js';

export const POSTGRES_TEST_URL = process.env.SAOMA_TEST_POSTGRES ?? '';

export const POSTGRES_SKIP_REASON =
  'PostgreSQL suite skipped: set SAOMA_TEST_POSTGRES=postgres://user@host:port/db to run it (.ci/run does)';

export interface TestDatabase {
  /** A URL another process can open to reach the same database. */
  url: string;
  store: Store;
  /** Closes the store and removes the database. */
  cleanup(): Promise<void>;
}

export interface TestStoreKind {
  /** sqlite: a file, committed by the write thread; sqlite-memory: in-thread; postgres. */
  name: 'sqlite' | 'sqlite-memory' | 'postgres';
  kind: StoreKind;
  /** A reason to skip, or false when this store can be tested here. */
  skip: string | false;
  /** A fresh, migrated database; `file` asks sqlite-memory for a file after all (for other processes). */
  create(options?: { file?: boolean }): Promise<TestDatabase>;
}

export const testStores: readonly TestStoreKind[] = [
  { name: 'sqlite', kind: 'sqlite', skip: false, create: () => createSqlite({ file: true }) },
  { name: 'sqlite-memory', kind: 'sqlite', skip: false, create: (options) => createSqlite(options) },
  {
    name: 'postgres',
    kind: 'postgres',
    skip: POSTGRES_TEST_URL ? false : POSTGRES_SKIP_REASON,
    create: createPostgres,
  },
];

async function createSqlite(options: { file?: boolean } = {}): Promise<TestDatabase> {
  const directory = options.file ? mkdtempSync(join(tmpdir(), 'saoma-test-')) : null;
  const url = directory ? `sqlite:${join(directory, 'saoma.db')}` : 'sqlite::memory:';
  const store = await openStore(url);
  await migrate(store);
  return {
    url,
    store,
    async cleanup() {
      await store.close();
      if (directory) rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const schema = `saoma_test_${randomBytes(6).toString('hex')}`;
  await runOnServer(POSTGRES_TEST_URL, `CREATE SCHEMA ${schema}`);
  const url = urlWithSessionOptions(POSTGRES_TEST_URL, `-c search_path=${schema}`);
  const store = await openStore(url);
  await migrate(store);
  return {
    url,
    store,
    async cleanup() {
      await store.close();
      await runOnServer(POSTGRES_TEST_URL, `DROP SCHEMA ${schema} CASCADE`);
    },
  };
}
