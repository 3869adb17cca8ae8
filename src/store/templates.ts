// Queries of a fixed shape, built with Kysely once per store and then run with new values: a
// payment runs the same dozen statements every time, and building one (Kysely's builders,
// its operation tree, the compiler) costs more than SQLite takes to run it.
//
//   const orderById = queryTemplate((db, p: Param<{ id: string }>) =>
//     db.selectFrom('orders').selectAll().where('id', '=', p('id')),
//   );
//   const row = await orderById.first(store, { id });
//   runAtomically(store, [{ query: orderById.compile(store, { id }) }]);
//
// A value passed through `p(name)` becomes that query parameter on every run; anything else in
// the builder (a literal status, a list's length) is fixed in the template.
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { preparedStatement, type Store } from './store.js';

/** Names a value of the template's values; typed as the value so builders accept it. */
export type Param<Values> = <Name extends keyof Values & string>(name: Name) => Values[Name];

export interface QueryTemplate<Values, Row> {
  /** The query with these values, for runAtomically or the store's executor (a Store has `db`). */
  compile(target: { db: Kysely<Schema> }, values: Values): CompiledQuery<Row>;
  /** Runs it: every row (on SQLite straight on the prepared statement, without Kysely's executor). */
  all(store: Store, values: Values): Promise<Row[]>;
  first(store: Store, values: Values): Promise<Row | undefined>;
}

/** A slot of the compiled parameters: a value's name, or a value fixed by the builder. */
type Slot = { name: string } | { fixed: unknown };

interface Compiled<Row> {
  query: CompiledQuery<Row>;
  slots: Slot[];
}

const MARKER = '\u0000saoma-template-param:';

export function queryTemplate<Values extends Record<string, unknown>, Row>(
  build: (db: Kysely<Schema>, p: Param<Values>) => Compilable<Row>,
): QueryTemplate<Values, Row> {
  // Per Kysely instance: the SQL differs between SQLite and PostgreSQL.
  const byDb = new WeakMap<Kysely<Schema>, Compiled<Row>>();
  const compiledFor = (db: Kysely<Schema>): Compiled<Row> => {
    let compiled = byDb.get(db);
    if (!compiled) byDb.set(db, (compiled = compileTemplate(db, build)));
    return compiled;
  };
  const compile = (target: { db: Kysely<Schema> }, values: Values): CompiledQuery<Row> => {
    const { query, slots } = compiledFor(target.db);
    const parameters = slots.map((slot) => ('name' in slot ? values[slot.name] : slot.fixed));
    return { ...query, parameters };
  };
  const all = async (store: Store, values: Values): Promise<Row[]> => {
    const query = compile(store, values);
    if (store.sqlite) return preparedStatement(store.sqlite, query.sql).all(query.parameters) as Row[];
    return (await store.db.executeQuery(query)).rows;
  };
  return {
    compile,
    all,
    first: async (store, values) => (await all(store, values))[0],
  };
}

function compileTemplate<Values, Row>(
  db: Kysely<Schema>,
  build: (db: Kysely<Schema>, p: Param<Values>) => Compilable<Row>,
): Compiled<Row> {
  const named = new Set<string>();
  const p = ((name: string) => {
    named.add(name);
    return `${MARKER}${name}`;
  }) as Param<Values>;
  const query = build(db, p).compile();
  const slots: Slot[] = query.parameters.map((value) =>
    typeof value === 'string' && value.startsWith(MARKER) ? { name: value.slice(MARKER.length) } : { fixed: value },
  );
  for (const name of named) {
    if (!slots.some((slot) => 'name' in slot && slot.name === name)) {
      throw new Error(`query template: value ${name} did not become a parameter of ${query.sql}`);
    }
  }
  return { query, slots };
}

/** Every named value as a parameter: `values(paramsOf(p, ['id', 'amount_fen']))` inserts a whole row. */
export function paramsOf<Values>(p: Param<Values>, names: readonly (keyof Values & string)[]): Values {
  return Object.fromEntries(names.map((name) => [name, p(name)])) as Values;
}
