// Fresh, migrated databases for benchmark runs: a new SQLite file (WAL, synchronous=FULL, as a
// server opens it) or a new PostgreSQL schema, each removed when the run is over. Setup may
// commit without waiting for the disk; the timed phases always use the server's settings.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { migrate } from '../store/migrations.js';
import { runOnServer, urlWithSessionOptions } from '../store/postgres-server.js';
import { openStore, type Store, type StoreKind } from '../store/store.js';

export interface BenchDatabase {
  kind: StoreKind;
  /** What `open()` opens, for another process (a server) to open the same way. */
  url: string;
  /** Opens the store for untimed setup: commits do not wait for the disk. */
  openForSetup(): Promise<Store>;
  /** Opens the store as a server would: every commit is durable before it returns. */
  open(): Promise<Store>;
  /** Removes the database (the caller has closed its stores). */
  drop(): Promise<void>;
}

/** A new SQLite file named `name` in `directory`, migrated. */
export async function createSqliteBenchDatabase(directory: string, name: string): Promise<BenchDatabase> {
  const url = `sqlite:${join(directory, `${name}.db`)}`;
  const store = await openStore(url);
  await migrate(store);
  await store.close();
  return {
    kind: 'sqlite',
    url,
    async openForSetup() {
      const setup = await openStore(url);
      setup.sqlite!.pragma('synchronous = OFF');
      return setup;
    },
    open: () => openStore(url),
    // The files live in the run's temporary directory, which the caller removes whole.
    drop: async () => undefined,
  };
}

/** A new schema in the database `serverUrl` names, migrated. */
export async function createPostgresBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const schema = `saoma_bench_${randomBytes(6).toString('hex')}`;
  await runOnServer(serverUrl, `CREATE SCHEMA ${schema}`);
  const url = urlWithSessionOptions(serverUrl, `-c search_path=${schema}`);
  const store = await openStore(url, { poolSize: 1 });
  await migrate(store);
  await store.close();
  return {
    kind: 'postgres',
    url,
    openForSetup: () =>
      openStore(urlWithSessionOptions(serverUrl, `-c search_path=${schema} -c synchronous_commit=off`)),
    open: () => openStore(url),
    drop: () => runOnServer(serverUrl, `DROP SCHEMA ${schema} CASCADE`),
  };
}
