// Migration 10: the ledger's batch function looks up rows by key through their indexes, however
// small the tables were when it first ran.
//
// PL/pgSQL keeps a plan for each statement of saoma_apply_batch per connection; after a few
// calls it keeps one generic plan and never plans that statement again unless the table's
// statistics change. On a new database the first calls come while `transfers` holds a few
// pages, where reading it whole costs less than the index, so the idempotency look-ups
// (`WHERE id = ANY (...)`) were planned as sequential scans of `transfers` and stayed so while
// the table grew: on a fresh PostgreSQL database under steady payments, each batch read every
// transfer ever made, and a batch of ~60 transfers took ~50 ms within a minute (found with
// auto_explain during `saoma bench pay`; autovacuum's ANALYZE replans them, but only once it
// runs). Every statement in the function looks rows up by key, so it never wants a
// sequential scan: the planner is told so for this function alone. A table without a usable
// index is still read whole; the setting only takes the cheap-looking scan off the table.
// src/ledger/plans-postgres.test.ts checks the plans the function uses after its table grew.
//
// SQLite keeps its prepared statements' plans too, but with no statistics gathered its planner
// does not weigh a table's size and takes the index for a look-up by key: nothing to change there.
export const ledgerPlansPostgres = `
ALTER FUNCTION saoma_apply_batch(text[], text[], integer[], integer[], bigint[], integer[], integer[], integer[],
                                 integer[], text[], bigint[], bigint)
  SET enable_seqscan = off;
`;

export const ledgerPlansSqlite = `SELECT 1;`;
