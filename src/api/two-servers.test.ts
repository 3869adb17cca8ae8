// Two `saoma serve` processes on one PostgreSQL database, both taking transfers over HTTP at
// once, each transfer sent to both: every id is applied exactly once, nothing deadlocks, and
// the audit passes afterwards.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { testStores } from '../testing/stores.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const ADMIN_TOKEN = 'two-servers-admin-token-0123456789';
const FIELD_KEY = '0123456789abcdef'.repeat(4);
const READY_TIMEOUT_MS = 20_000;

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

async function startServer(databaseUrl: string): Promise<Server> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SAOMA_')));
  const child = spawn(process.execPath, [CLI, 'serve', '--db', databaseUrl, '--port', '0'], {
    // Both processes seal ID and card numbers with one key, as every process sharing a database must.
    env: { ...env, SAOMA_ADMIN_TOKEN: ADMIN_TOKEN, SAOMA_LOG_LEVEL: 'warn', SAOMA_FIELD_KEY: FIELD_KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in time')), READY_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^saoma: listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`server exited early with ${code}`)));
  });
  return { child, url, exited };
}

async function call(server: Server, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const postgres = testStores.find((kind) => kind.name === 'postgres')!;
describe('two saoma servers on one PostgreSQL database', { skip: postgres.skip }, () => {
  test('apply every transfer exactly once, with no deadlock, and the audit passes', async () => {
    const database = await postgres.create();
    const servers = await Promise.all([startServer(database.url), startServer(database.url)]);
    try {
      const [one, two] = servers as [Server, Server];
      assert.equal(
        (await call(one, 'POST', '/v1/admin/ledger/institutions', { id: 'bank', name: 'Bank', kind: 'bank' })).status,
        200,
      );
      assert.equal(
        (await call(two, 'POST', '/v1/admin/ledger/ledgers', { id: 1, currency: 'CNY', scale: 2, name: 'Renminbi' }))
          .status,
        200,
      );
      const accounts: string[] = [];
      for (let index = 0; index < 4; index++) {
        const created = await call(index % 2 ? one : two, 'POST', '/v1/admin/ledger/accounts', {
          institution_id: 'bank',
          ledger_id: 1,
          code: 1,
        });
        assert.equal(created.status, 200, JSON.stringify(created.body));
        accounts.push(String(created.body.id));
      }
      // 400 transfers among 4 accounts in both directions, each sent to both servers at once.
      const sends = [];
      for (let n = 0; n < 400; n++) {
        const transfer = {
          id: `both-${n}`,
          debit_account_id: accounts[n % 4],
          credit_account_id: accounts[(n + 1 + (n % 3)) % 4],
          amount: String(1 + n),
          ledger_id: 1,
          code: 1,
        };
        sends.push(
          call(one, 'POST', '/v1/admin/ledger/transfer', transfer),
          call(two, 'POST', '/v1/admin/ledger/transfer', transfer),
        );
      }
      const replies = await Promise.all(sends);
      for (let n = 0; n < 400; n++) {
        const pair = [replies[2 * n]!, replies[2 * n + 1]!];
        assert.deepEqual(
          pair.map((reply) => reply.status),
          [200, 200],
          JSON.stringify(pair),
        );
        assert.equal(pair.filter((reply) => reply.body.replayed === false).length, 1, `transfer ${n} applied once`);
      }
      const audit = await call(one, 'GET', '/v1/admin/audit');
      assert.equal(audit.body.ok, true, JSON.stringify(audit.body));
      assert.equal(audit.body.transfers, 400);
    } finally {
      for (const server of servers) server.child.kill('SIGTERM');
      const codes = await Promise.all(servers.map((server) => server.exited));
      await database.cleanup();
      assert.deepEqual(codes, [0, 0], 'both servers shut down cleanly');
    }
  });
});
