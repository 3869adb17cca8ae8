// Opens the database named by a URL: SQLite (the default, embedded) or PostgreSQL. Both
// read 64-bit integers as bigint. Ordinary queries go through Kysely (`store.db`); the ledger's
// hot path uses the raw driver (`store.sqlite` / `store.pool`).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Schema } from './schema.js';

export type StoreKind = 'sqlite' | 'postgres';

export interface Store {
  readonly kind: StoreKind;
  /** The URL with any password removed, for logs. */
  readonly description: string;
  readonly db: Kysely<Schema>;
  readonly sqlite: BetterSqlite3.Database | null;
  /** The SQLite file, or ':memory:'; null on PostgreSQL. */
  readonly sqlitePath: string | null;
  readonly pool: pg.Pool | null;
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/saoma.db';

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** `sqlite:PATH`, `sqlite::memory:`, `:memory:`, a bare file path, or `postgres://…`. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', path: url.slice('sqlite:'.length) || ':memory:' };
  if (url.includes('://')) throw new Error(`unsupported database URL ${redact(url)}: use sqlite:PATH or postgres://…`);
  return { kind: 'sqlite', path: url };
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

export interface OpenOptions {
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
}

export async function openStore(url: string, options: OpenOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(url);
  return target.kind === 'sqlite' ? openSqlite(target.path) : openPostgres(target.url, options);
}

/**
 * One connection with Saoma's settings; the ledger's write thread opens its own the same way.
 *
 * `FULL` (the default, and always the ledger's): a commit is on disk (fsync of the WAL) before the
 * caller hears "ok". The main thread's connection of a database file uses `NORMAL` — its commits
 * reach the WAL without an fsync of their own, and so do the application's write units that the
 * ledger's write thread commits for it (src/store/atomic.ts). That loses nothing a payment depends on: the WAL
 * is one append-only file, so the ledger's next FULL commit makes every earlier frame durable
 * with it. A state change recorded before its money moves (an order claimed, an operation
 * recorded) is therefore on disk by the time the money is; one recorded after (an order marked
 * paid, its notification) can be lost only to a power cut, and is redone from the ledger by the
 * sweeps (a claimed order whose ledger chain exists is finished again). A process crash loses
 * nothing in either mode.
 */
export function openSqliteConnection(path: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(path);
  sqlite.defaultSafeIntegers(true);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 64 MiB of page cache, and a checkpoint every ~40 MiB of WAL rather than every 4 MiB: under
  // load, frequent checkpoints (each one fsyncs the database file) cost more than the batches.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('wal_autocheckpoint = 10000');
  return sqlite;
}

/** Distinct statements kept prepared; queries with variable-length lists make new ones, so it is bounded. */
const PREPARED_STATEMENTS_MAX = 1_000;

/**
 * Kysely prepares every query anew, and preparing costs as much as running a small statement: a
 * payment runs the same few dozen statements every time, so they are prepared once per connection.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  return { close: () => sqlite.close(), prepare: (sql: string) => preparedStatement(sqlite, sql) };
}

const preparedByConnection = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/** The connection's prepared statement for this SQL text, prepared on first use (Kysely's and ours). */
export function preparedStatement(sqlite: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement {
  let prepared = preparedByConnection.get(sqlite);
  if (prepared === undefined) preparedByConnection.set(sqlite, (prepared = new Map()));
  let statement = prepared.get(sql);
  if (statement === undefined) {
    if (prepared.size >= PREPARED_STATEMENTS_MAX) prepared.clear();
    statement = sqlite.prepare(sql);
    prepared.set(sql, statement);
  }
  return statement;
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // In memory the ledger commits on this very connection (no write thread): keep it FULL there.
  const sqlite = openSqliteConnection(path, path === ':memory:' ? 'FULL' : 'NORMAL');
  // The ledger's checkpoint thread keeps the WAL short; checkpointing here would stall the event
  // loop, so this connection does it only as a backstop, past ~400 MiB.
  if (path !== ':memory:') sqlite.pragma('wal_autocheckpoint = 100000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  let closed = false;
  return {
    kind: 'sqlite',
    description: `sqlite:${path}`,
    db,
    sqlite,
    sqlitePath: path,
    pool: null,
    async close() {
      if (closed) return;
      closed = true;
      // Kysely closes the driver only if it ever ran a query; the ledger may have used it directly.
      await db.destroy();
      if (sqlite.open) sqlite.close();
    },
  };
}

const int8Parser = (value: string): bigint => BigInt(value);

function openPostgres(url: string, options: OpenOptions): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 8,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === pg.types.builtins.INT8
          ? int8Parser
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client's connection error must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    kind: 'postgres',
    description: redact(url),
    db,
    sqlite: null,
    sqlitePath: null,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      if (!pool.ended) await pool.end();
    },
  };
}
