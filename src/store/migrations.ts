// Versioned migrations for both stores, applied in order on start and by `saoma migrate`.
// A migration, once released, is never edited: a change is a new version.
import { sql } from 'kysely';
import { ledgerPlansPostgres, ledgerPlansSqlite } from '../ledger/plans-postgres.js';
import { ledgerSchemaPostgres } from '../ledger/schema-postgres.js';
import { ledgerSchemaSqlite } from '../ledger/schema-sqlite.js';
import { alipaySchemaSql } from '../gateway/alipay/schema-sql.js';
import { gatewaySchemaSql } from '../gateway/schema-sql.js';
import { wechatpaySchemaSql } from '../gateway/wechatpay/schema-sql.js';
import { merchantsSchemaSql } from '../merchant/schema-sql.js';
import { walletsSchemaSql } from '../network/schema-sql.js';
import { notifySchemaSql } from '../notify/schema-sql.js';
import { portalSchemaSql } from '../portal/schema-sql.js';
import { indexesSql } from './indexes-sql.js';
import type { Store } from './store.js';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'ledger', sqlite: ledgerSchemaSqlite, postgres: ledgerSchemaPostgres },
  { version: 2, name: 'wallets', sqlite: walletsSchemaSql, postgres: walletsSchemaSql },
  { version: 3, name: 'merchants', sqlite: merchantsSchemaSql, postgres: merchantsSchemaSql },
  { version: 4, name: 'notify', sqlite: notifySchemaSql, postgres: notifySchemaSql },
  { version: 5, name: 'gateway', sqlite: gatewaySchemaSql, postgres: gatewaySchemaSql },
  { version: 6, name: 'wechatpay', sqlite: wechatpaySchemaSql, postgres: wechatpaySchemaSql },
  { version: 7, name: 'alipay', sqlite: alipaySchemaSql, postgres: alipaySchemaSql },
  { version: 8, name: 'portal', sqlite: portalSchemaSql, postgres: portalSchemaSql },
  { version: 9, name: 'indexes', sqlite: indexesSql, postgres: indexesSql },
  { version: 10, name: 'ledger-plans', sqlite: ledgerPlansSqlite, postgres: ledgerPlansPostgres },
];

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY, name text NOT NULL, applied_at_ms bigint NOT NULL)`;

/** Any number; it only has to be the same in every Saoma process sharing a database. */
const MIGRATION_LOCK_KEY = 7_266_171;

export interface MigrationReport {
  applied: { version: number; name: string }[];
  current: number;
}

export async function migrate(store: Store, nowMs = BigInt(Date.now())): Promise<MigrationReport> {
  return store.kind === 'sqlite' ? migrateSqlite(store, nowMs) : migratePostgres(store, nowMs);
}

function migrateSqlite(store: Store, nowMs: bigint): MigrationReport {
  const db = store.sqlite!;
  db.exec(CREATE_TABLE);
  const applied: MigrationReport['applied'] = [];
  const apply = db.transaction((migration: Migration) => {
    db.exec(migration.sqlite);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)').run(
      migration.version,
      migration.name,
      nowMs,
    );
  });
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: bigint }[]).map((row) =>
      Number(row.version),
    ),
  );
  for (const migration of MIGRATIONS) {
    if (done.has(migration.version)) continue;
    apply.immediate(migration);
    applied.push({ version: migration.version, name: migration.name });
  }
  return { applied, current: MIGRATIONS.at(-1)?.version ?? 0 };
}

async function migratePostgres(store: Store, nowMs: bigint): Promise<MigrationReport> {
  const client = await store.pool!.connect();
  const applied: MigrationReport['applied'] = [];
  try {
    await client.query('BEGIN');
    // Two processes starting at once: the second waits here, then finds nothing left to do.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((row) => Number(row.version)));
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.postgres);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        nowMs.toString(),
      ]);
      applied.push({ version: migration.version, name: migration.name });
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return { applied, current: MIGRATIONS.at(-1)?.version ?? 0 };
}

/** The highest migration applied, or 0 for an empty database. */
export async function schemaVersion(store: Store): Promise<number> {
  try {
    const row = await sql<{
      version: number | bigint | null;
    }>`SELECT max(version) AS version FROM schema_migrations`.execute(store.db);
    return Number(row.rows[0]?.version ?? 0);
  } catch {
    return 0;
  }
}
