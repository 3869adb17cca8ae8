// The ledger across processes: a writer killed with SIGKILL in the middle of its batches loses
// no acknowledged transfer and leaves no half chain; two processes writing one PostgreSQL
// database at once neither deadlock nor lose nor double a transfer.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { testStores, type TestDatabase } from '../testing/stores.js';
import type { LoadWorkerPlan } from './load-worker.js';
import { createTestBook, CNY } from './testing.js';

const WORKER = fileURLToPath(new URL('./load-worker.js', import.meta.url));

interface Worker {
  child: ChildProcess;
  acked: Map<number, boolean>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once at least `count` operations have been acknowledged. */
  waitForAcks(count: number): Promise<void>;
}

function startWorker(plan: LoadWorkerPlan): Worker {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked = new Map<number, boolean>();
  const waiters: { count: number; wake: () => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [word, n, replayed] = line.split(' ');
    if (word !== 'ack') return;
    acked.set(Number(n), replayed === 'true');
    for (const waiter of waiters.filter((entry) => acked.size >= entry.count)) waiter.wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    child,
    acked,
    exited,
    waitForAcks: (count) =>
      new Promise<void>((resolve, reject) => {
        if (acked.size >= count) return resolve();
        waiters.push({ count, wake: resolve });
        void exited.then(({ stderr: output }) => reject(new Error(`worker exited before ${count} acks: ${output}`)));
      }),
  };
}

async function openPairs(database: TestDatabase, count: number) {
  const book = await createTestBook(database.store);
  const accounts = [];
  for (let index = 0; index < count; index++) accounts.push(await book.openAccount());
  const pairs: [string, string][] = [];
  for (let index = 0; index < count; index++) {
    pairs.push([accounts[index]!.id.toString(), accounts[(index + 1) % count]!.id.toString()]);
    pairs.push([accounts[(index + 1) % count]!.id.toString(), accounts[index]!.id.toString()]);
  }
  await book.ledger.close();
  return pairs;
}

async function storedIds(database: TestDatabase, prefix: string): Promise<Set<string>> {
  const rows = await database.store.db
    .selectFrom('transfers')
    .select('id')
    .where('id', 'like', `${prefix}-%`)
    .execute();
  return new Set(rows.map((row) => row.id));
}

async function assertAudited(database: TestDatabase) {
  const book = await createTestBook(database.store);
  await book.closeAudited();
}

for (const storeKind of testStores.filter((kind) => kind.name !== 'sqlite-memory')) {
  describe(`ledger processes on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    test('a writer killed with SIGKILL mid-batch loses no acknowledged transfer and leaves no half chain', async () => {
      const database = await storeKind.create({ file: true });
      try {
        const pairs = await openPairs(database, 8);
        const worker = startWorker({
          url: database.url,
          pairs,
          prefix: 'kill',
          start: 0,
          count: 1_000_000,
          concurrency: 512,
          ledgerId: CNY,
        });
        await worker.waitForAcks(3_000);
        worker.child.kill('SIGKILL');
        const { signal } = await worker.exited;
        assert.equal(signal, 'SIGKILL');
        const stored = await storedIds(database, 'kill');
        for (const n of worker.acked.keys()) {
          assert.ok(stored.has(`kill-${n}-a`) && stored.has(`kill-${n}-b`), `acknowledged operation ${n} is stored`);
        }
        for (const id of stored) {
          const twin = id.endsWith('-a') ? id.replace(/-a$/, '-b') : id.replace(/-b$/, '-a');
          assert.ok(stored.has(twin), `${id} is stored, so is its linked twin ${twin}`);
        }
        assert.ok(stored.size / 2 >= worker.acked.size);
        await assertAudited(database);
      } finally {
        await database.cleanup();
      }
    });
  });
}

const postgres = testStores.find((kind) => kind.name === 'postgres')!;
describe('two processes writing one PostgreSQL database', { skip: postgres.skip }, () => {
  test('neither deadlocks nor loses nor doubles a transfer', async () => {
    const database = await postgres.create();
    try {
      // Few accounts, used in both directions by both processes: the worst case for locking.
      const pairs = await openPairs(database, 4);
      const plan = { url: database.url, pairs, prefix: 'two', count: 3_000, concurrency: 256, ledgerId: CNY };
      // The id ranges overlap by 1,000 operations: each of those must happen exactly once.
      const first = startWorker({ ...plan, start: 0 });
      const second = startWorker({ ...plan, start: 2_000 });
      const [one, two] = await Promise.all([first.exited, second.exited]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(two.code, 0, two.stderr);
      assert.equal(first.acked.size, 3_000);
      assert.equal(second.acked.size, 3_000);
      const stored = await storedIds(database, 'two');
      assert.equal(stored.size, 5_000 * 2);
      for (let n = 2_000; n < 3_000; n++) {
        const replays = [first.acked.get(n), second.acked.get(n)];
        assert.equal(replays.filter((replayed) => replayed === false).length, 1, `operation ${n} applied exactly once`);
      }
      await assertAudited(database);
    } finally {
      await database.cleanup();
    }
  });
});
