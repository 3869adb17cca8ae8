// The `saoma` command as users run it: a child process per call, real files, real HTTP and
// real signals. Exit codes matter here: scripts and CI read them.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { createTestBook } from '../ledger/testing.js';
import { migrate, MIGRATIONS } from '../store/migrations.js';
import { openStore } from '../store/store.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
/** Bounds every child process: a hung command fails its test instead of hanging the suite. */
const CHILD_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 20_000;
const ADMIN_TOKEN = 'cli-test-admin-token-0123456789';

/** The parent's environment without SAOMA_*: a developer's or CI's settings must not change the outcome. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SAOMA_')));
  return { ...env, ...extra };
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const saoma = (args: string[], env: Record<string, string> = {}): Promise<Finished> =>
  collect(spawn(process.execPath, [CLI, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));

describe('saoma CLI', () => {
  let directory: string;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'saoma-cli-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));
  const databaseUrl = (name: string) => `sqlite:${join(directory, name)}`;

  /** A migrated file with a funded wallet and one payment, written through the ledger in-process. */
  async function bookWithPayment(name: string): Promise<string> {
    const url = databaseUrl(name);
    const store = await openStore(url);
    try {
      await migrate(store);
      const book = await createTestBook(store);
      const alice = await book.openWallet(1_000n);
      const bob = await book.openWallet(0n);
      assert.equal((await book.ledger.transferOne(book.transferRequest('pay-1', alice, bob, 250n))).code, 'ok');
      await book.closeAudited();
    } finally {
      await store.close();
    }
    return url;
  }

  test('migrate applies the schema once and exits 0', async () => {
    const url = databaseUrl('migrate.db');
    const first = await saoma(['migrate', '--db', url]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied migration 1 \(ledger\)/);
    const second = await saoma(['migrate'], { SAOMA_DB: url });
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /applied migration/);
    assert.match(second.stdout, new RegExp(`already up to date at schema version ${MIGRATIONS.at(-1)!.version}`));
  });

  test('audit of sound books exits 0 with a readable report and JSON on request', async () => {
    const url = await bookWithPayment('sound.db');
    const text = await saoma(['audit', '--db', url]);
    assert.equal(text.code, 0, text.stderr + text.stdout);
    assert.match(text.stdout, /transfers +2/);
    assert.match(text.stdout, /ledger 1: 3 accounts/);
    assert.match(text.stdout, /^OK: the books balance/m);
    const json = await saoma(['audit', '--db', url, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { ok: boolean; transfers: number; ledgers: { debits_posted: string }[] };
    assert.equal(report.ok, true);
    assert.equal(report.transfers, 2);
    assert.equal(report.ledgers[0]!.debits_posted, '1250');
  });

  test('audit after a transfer row was changed behind the ledger exits 1 and names the problem', async () => {
    const url = await bookWithPayment('tampered.db');
    const sqlite = new BetterSqlite3(url.slice('sqlite:'.length));
    try {
      sqlite.defaultSafeIntegers(true);
      const changed = sqlite.prepare("UPDATE transfers SET amount = amount + 1 WHERE id = 'pay-1'").run();
      assert.equal(changed.changes, 1);
    } finally {
      sqlite.close();
    }
    const text = await saoma(['audit', '--db', url]);
    assert.equal(text.code, 1, text.stderr + text.stdout);
    assert.match(text.stdout, /^FAILED: \d+ problems? found/m);
    assert.match(text.stdout, /\[hash_chain_broken\] .*pay-1/);
    assert.match(text.stdout, /\[balance_mismatch\]/);
    const json = await saoma(['audit', '--db', url, '--json']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: { code: string }[] };
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((entry) => entry.code === 'hash_chain_broken'));
  });

  test('audit exits 2 when it cannot run: no file, no schema, no server, bad flags', async () => {
    const emptyUrl = databaseUrl('empty.db');
    new BetterSqlite3(emptyUrl.slice('sqlite:'.length)).close();
    const cases: [string[], RegExp][] = [
      [['audit', '--db', databaseUrl('missing.db')], /^saoma: no database at .*missing\.db/],
      [['audit', '--db', emptyUrl], /^saoma: .* has no Saoma schema/],
      [['audit', '--db', 'postgres://nobody@127.0.0.1:1/none'], /^saoma: cannot reach the database/],
      [['audit', '--db', 'mysql://localhost/x'], /^saoma: database URL/],
      [['audit', '--no-such-flag'], /^saoma: unknown option/],
    ];
    for (const [args, stderr] of cases) {
      const run = await saoma(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, stderr);
    }
  });

  test('bench ledger refuses bad flags before running anything', async () => {
    const cases: [string[], RegExp][] = [
      [['--store', 'postgres'], /--store postgres needs a server/],
      [['--store', 'oracle'], /--store takes .* not "oracle"/],
      [['--mix', 'uniform,zipf'], /--mix takes .* not "zipf"/],
      [['--accounts', '1'], /--accounts must be a whole number from 2/],
      [['--concurrency', '1e3'], /--concurrency must be a whole number/],
    ];
    for (const [flags, stderr] of cases) {
      const run = await saoma(['bench', 'ledger', ...flags]);
      assert.equal(run.code, 2, `${flags.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, stderr);
    }
  });

  test('serve refuses a bad configuration with a sentence', async () => {
    const run = await saoma(['serve', '--db', databaseUrl('bad-config.db')], { SAOMA_PORT: 'eighty' });
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^saoma: port \(--port or SAOMA_PORT\) must be a whole number from 0 to 65535, not "eighty"/,
    );
  });

  test('serve answers /health over HTTP and exits 0 on SIGTERM after draining', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', databaseUrl('serve.db')], {
      env: childEnv({ SAOMA_ADMIN_TOKEN: ADMIN_TOKEN }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const finished = collect(child);
    try {
      const url = await listeningUrl(child);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
      const body = (await health.json()) as { status: string; store: string; schemaVersion: number };
      assert.deepEqual([body.status, body.store, body.schemaVersion], ['ok', 'sqlite', MIGRATIONS.at(-1)!.version]);
      const audit = await fetch(`${url}/v1/admin/audit`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(audit.status, 200);
      assert.equal(((await audit.json()) as { ok: boolean }).ok, true);
      assert.equal((await fetch(`${url}/v1/admin/audit`)).status, 401);
    } finally {
      child.kill('SIGTERM');
    }
    const { code, signal, stdout, stderr } = await finished;
    assert.equal(signal, null, stderr);
    assert.equal(code, 0, stderr);
    const steps = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string }).msg)
      .filter((message) => message.startsWith('shutdown:'));
    assert.deepEqual(steps, [
      'shutdown: signal received',
      'shutdown: closing the HTTP server (no new connections; in-flight requests finish)',
      'shutdown: stopping the sweeps',
      'shutdown: draining the ledger writer queue',
      'shutdown: closing the store',
      'shutdown: done',
    ]);
  });
});

/** Waits (bounded) for the line that names the URL; fails early if the child exits instead. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not report its URL within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^saoma: listening on (http:\/\/\S+)/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening`));
    });
  });
}
