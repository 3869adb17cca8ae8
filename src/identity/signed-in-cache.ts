// Who a session token belongs to, kept in memory: every signed-in request asks, and on SQLite the
// statement that answers (a session joined to its user) costs more than the rest of a payment's
// reads together. Exact, not a TTL: the identity service tells the cache after every write to a
// user or a session it makes, and the cache then forgets everything it holds. That is only
// complete where this process makes every such write — a SQLite file, which one process owns
// (README: one process per file). Servers sharing a PostgreSQL database do not use it.
//
//   const cache = createSignedInCache<Answer>(65_536);
//   const seen = cache.generation();        // before reading
//   const answer = await readFromDatabase();
//   cache.remember(token, answer, seen);    // dropped if a write came in between
//   …
//   await db.updateTable('users')…execute();
//   cache.changed();                        // after every write that commits
export interface SignedInCache<Answer> {
  /** The answer remembered for this token, unless a write has come since it was read. */
  get(token: string): Answer | undefined;
  /** Call before reading the answer from the database, and pass it to `remember`. */
  generation(): number;
  remember(token: string, answer: Answer, readAtGeneration: number): void;
  /** A user or a session changed: every remembered answer is forgotten. */
  changed(): void;
}

export function createSignedInCache<Answer>(entriesMax: number): SignedInCache<Answer> {
  let current = 0;
  const answers = new Map<string, Answer>();
  return {
    get: (token) => answers.get(token),
    generation: () => current,
    remember(token, answer, readAtGeneration) {
      // A write committed while the answer was being read: it may predate the write.
      if (readAtGeneration !== current) return;
      if (answers.size >= entriesMax) answers.clear();
      answers.set(token, answer);
    },
    changed() {
      current += 1;
      answers.clear();
    },
  };
}
