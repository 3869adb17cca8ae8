// The command-line wallet and the demo seed as people run them: `saoma serve --demo` in a child
// process, then `saoma wallet …` child processes against it over HTTP, reading their JSON and
// exit codes; then `saoma seed demo` again on the stopped server's database, and the audit.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DemoLogin } from '../network/demo.js';
import type { DemoCredentialsFile } from './seed.js';

const SAOMA = fileURLToPath(new URL('../../bin/saoma.js', import.meta.url));
/** Bounds every child process: a hung command fails its test instead of hanging the suite. */
const CHILD_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 30_000;

/** The parent's environment without SAOMA_*: a developer's or CI's settings must not change the outcome. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SAOMA_')));
  return { ...env, ...extra };
}

interface Finished {
  code: number | null;
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
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const saoma = (args: string[], env: Record<string, string> = {}): Promise<Finished> =>
  collect(spawn(process.execPath, [SAOMA, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));

/** Waits (bounded) for the line that names the URL; fails early if the child exits instead. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not report its URL within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
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

// The answers' shapes, as far as the tests read them.
interface Answer {
  [field: string]: any;
}

describe('saoma wallet against saoma serve --demo', () => {
  let directory: string;
  let server: ChildProcess;
  let serverDone: Promise<Finished>;
  let serverOutput = '';
  let url: string;
  let credentials: DemoCredentialsFile;
  const databaseUrl = () => `sqlite:${join(directory, 'saoma.db')}`;
  const person = (phone: string): DemoLogin => credentials.users.find((user) => user.phone === phone)!;
  const debitCard = (login: DemoLogin) => login.cards.find((card) => card.kind === 'debit')!.id!;

  /** `saoma wallet …` with --json, as the person whose session file is `as`. */
  async function wallet(as: string, args: string[], env: Record<string, string> = {}) {
    const run = await saoma(['wallet', ...args, '--server', url, '--json'], {
      SAOMA_WALLET_FILE: join(directory, `${as}.wallet.json`),
      ...env,
    });
    let body: Answer = {};
    try {
      body = JSON.parse(run.stdout) as Answer;
    } catch {
      // Left empty: the assertion on the exit code shows stdout and stderr.
    }
    return { ...run, body };
  }
  const succeeded = (run: Finished & { body: Answer }) => {
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    return run.body;
  };
  const failed = (run: Finished & { body: Answer }, exitCode: number, code: string) => {
    assert.equal(run.code, exitCode, `${run.stdout}\n${run.stderr}`);
    assert.equal(run.body.error?.code, code, run.stdout);
    return run.body.error as Answer;
  };
  const login = async (as: string, demo: DemoLogin) =>
    succeeded(await wallet(as, ['login', '--phone', demo.phone, '--password', demo.password]));
  const balanceOf = async (as: string) => BigInt(succeeded(await wallet(as, ['balance'])).available as string);

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'saoma-wallet-cli-'));
    server = spawn(
      process.execPath,
      [
        SAOMA,
        'serve',
        '--demo',
        '--db',
        databaseUrl(),
        '--port',
        '0',
        '--demo-out',
        join(directory, 'demo-credentials.json'),
      ],
      { env: childEnv({ SAOMA_LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    serverDone = collect(server);
    url = await listeningUrl(server);
    credentials = JSON.parse(readFileSync(join(directory, 'demo-credentials.json'), 'utf8')) as DemoCredentialsFile;
  });
  after(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  test('serve --demo seeds five people at both providers and every tier, and prints their logins', async () => {
    assert.equal(credentials.server, url);
    assert.equal(credentials.users.length, 5);
    assert.deepEqual(new Set(credentials.users.map((user) => user.provider)), new Set(['bluepay', 'greenpay']));
    assert.deepEqual(new Set(credentials.users.map((user) => user.tier)), new Set([1, 2, 3]));
    for (const user of credentials.users) {
      assert.match(user.phone, /^1[3-9][0-9]{9}$/);
      assert.match(user.pin, /^[0-9]{6}$/);
      assert.ok(user.password.length >= 8);
      assert.match(user.user_id, /^u_/);
      assert.ok(user.tier === 1 || user.cards.every((card) => card.id !== null), `${user.phone}'s cards are linked`);
      // Printed for a person: phone, password, PIN and provider on one line.
      assert.match(serverOutput, new RegExp(`${user.phone} +${user.password} +${user.pin} +${user.provider}`));
    }
    assert.match(serverOutput, new RegExp(`${url}/docs`));
    assert.match(serverOutput, new RegExp(`${url}/openapi.json`));
    assert.equal(statSync(join(directory, 'demo-credentials.json')).mode & 0o777, 0o600);
  });

  test('login keeps the session in a file only its owner reads; whoami, balance and cards use it', async () => {
    const zhang = person('13800000001');
    const loggedIn = await login('zhang', zhang);
    assert.equal(loggedIn.user.id, zhang.user_id);
    assert.equal(loggedIn.session.token, undefined, 'the token stays in the wallet file');
    assert.equal(statSync(join(directory, 'zhang.wallet.json')).mode & 0o777, 0o600);
    const me = succeeded(await wallet('zhang', ['whoami']));
    assert.equal(me.user.tier, 3);
    assert.equal(me.user.provider, 'bluepay');
    assert.equal(me.limits.allowance.left, '20000000');
    assert.equal(await balanceOf('zhang'), 500_000n);
    const cards = succeeded(await wallet('zhang', ['cards']));
    assert.deepEqual(
      cards.cards.map((card: Answer) => card.id),
      zhang.cards.map((card) => card.id),
    );
  });

  test('topup, transfer (the payee named, masked), withdraw with --yes; a retried key moves money once', async () => {
    const zhang = person('13800000001');
    const key = ['--idempotency-key', 'script-top-up-1'];
    const topUp = ['topup', '--card', debitCard(zhang), '--amount', '12.50', '--pin', zhang.pin, ...key];
    const first = succeeded(await wallet('zhang', topUp));
    assert.deepEqual([first.kind, first.status, first.amount], ['top_up', 'succeeded', '1250']);
    const again = succeeded(await wallet('zhang', topUp));
    assert.equal(again.id, first.id);
    assert.equal(await balanceOf('zhang'), 501_250n);

    const sent = succeeded(
      await wallet('zhang', ['transfer', '--to', '13800000002', '--amount', '25', '--note', 'lunch'], {
        SAOMA_PIN: zhang.pin,
      }),
    );
    assert.equal(sent.payee.name, '*娜');
    assert.equal(sent.payee.phone, '138****0002');
    assert.deepEqual([sent.transfer.status, sent.transfer.amount], ['succeeded', '2500']);

    const refused = await wallet('zhang', [
      'withdraw',
      '--card',
      debitCard(zhang),
      '--amount',
      '100',
      '--pin',
      zhang.pin,
    ]);
    failed(refused, 2, 'confirmation_required');
    const withdrawn = succeeded(
      await wallet('zhang', ['withdraw', '--card', debitCard(zhang), '--amount', '100', '--pin', zhang.pin, '--yes']),
    );
    assert.deepEqual([withdrawn.quote.fee, withdrawn.quote.free_quota_left], ['0', '2000000']);
    assert.deepEqual([withdrawn.withdrawal.status, withdrawn.withdrawal.amount], ['succeeded', '10000']);
    assert.equal(await balanceOf('zhang'), 501_250n - 2_500n - 10_000n);
  });

  test('a transfer to another provider is refused with its code and exit 1', async () => {
    const zhang = person('13800000001');
    const wang = person('13800000003');
    const error = failed(
      await wallet('zhang', ['transfer', '--to', wang.phone, '--amount', '1', '--pin', zhang.pin]),
      1,
      'cross_provider_not_supported',
    );
    assert.match(error.message, /GreenPay/);
  });

  test('history pages newest first', async () => {
    const page = succeeded(await wallet('zhang', ['history', '--limit', '3']));
    assert.deepEqual(
      page.lines.map((line: Answer) => line.kind),
      ['withdrawal', 'transfer_out', 'top_up'],
    );
    assert.notEqual(page.next_before, null);
    const older = succeeded(
      await wallet('zhang', ['history', '--before', page.next_before as string, '--kind', 'top_up']),
    );
    assert.deepEqual(
      older.lines.map((line: Answer) => [line.kind, line.amount]),
      [['top_up', '500000']],
    );
  });

  test('red packets: send a lucky one, another person claims a share, both see it', async () => {
    const zhang = person('13800000001');
    const li = person('13800000002');
    await login('li', li);
    const packet = succeeded(
      await wallet('zhang', [
        'redpacket',
        'send',
        '--kind',
        'lucky',
        '--amount',
        '10',
        '--count',
        '3',
        '--note',
        '恭喜发财',
        '--pin',
        zhang.pin,
      ]),
    );
    assert.match(packet.id, /^rp_/);
    assert.deepEqual([packet.kind, packet.total, packet.count], ['lucky', '1000', 3]);
    const before = await balanceOf('li');
    const claimed = succeeded(await wallet('li', ['redpacket', 'claim', packet.id as string]));
    const amountFen = BigInt(claimed.amount as string);
    assert.ok(amountFen > 0n && amountFen <= 1_000n);
    assert.equal(await balanceOf('li'), before + amountFen);
    const shown = succeeded(await wallet('zhang', ['redpacket', 'show', packet.id as string]));
    assert.equal(shown.claimed, claimed.amount);
    assert.equal(shown.shares.filter((share: Answer) => share.claimed_by !== null).length, 1);
  });

  test('a refusal in text mode names the code, the sentence and what is left of the limit', async () => {
    const zhang = person('13800000001');
    const chen = person('13800000005');
    succeeded(await wallet('zhang', ['transfer', '--to', chen.phone, '--amount', '1500', '--pin', zhang.pin]));
    await login('chen', chen);
    // Class I may pay ¥1,000 in all: ¥1,200 is refused although the balance covers it.
    const run = await saoma(
      ['wallet', 'transfer', '--to', zhang.phone, '--amount', '1200', '--pin', chen.pin, '--server', url],
      {
        SAOMA_WALLET_FILE: join(directory, 'chen.wallet.json'),
      },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /Paying \*伟 \(138\*\*\*\*0001\)/);
    assert.match(run.stderr, /\(tier_limit_exceeded\)/);
    assert.match(run.stderr, /left_fen: ¥1000\.00 \(100000 fen\)/);
  });

  test('usage errors and an unreachable server exit 2', async () => {
    const zhang = person('13800000001');
    const topUp = (amount: string) => ['topup', '--card', debitCard(zhang), '--amount', amount, '--pin', zhang.pin];
    for (const amount of ['1.001', '-1', '1e3', '0', '0.00', '12,50', '']) {
      failed(await wallet('zhang', topUp(amount)), 2, 'invalid_amount');
    }
    failed(await wallet('zhang', ['topup', '--card', debitCard(zhang), '--amount', '1']), 2, 'pin_required');
    failed(await wallet('zhang', ['transfer', '--amount', '1', '--pin', zhang.pin]), 2, 'usage');
    failed(await wallet('zhang', ['paycode']), 2, 'not_available');
    failed(await wallet('zhang', ['pay', 'https://example.com/c/1']), 2, 'not_available');
    failed(await wallet('nobody', ['balance']), 2, 'not_logged_in');
    const unreachable = await saoma(['wallet', 'balance', '--server', 'http://127.0.0.1:1', '--json'], {
      SAOMA_WALLET_FILE: join(directory, 'zhang.wallet.json'),
    });
    assert.equal(unreachable.code, 2);
    const missing = await saoma(['wallet', 'topup', '--card', 'x', '--pin', '111111', '--server', url]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--amount/);
  });

  test('logout forgets the session', async () => {
    assert.deepEqual(succeeded(await wallet('li', ['logout'])).logged_out, true);
    failed(await wallet('li', ['balance']), 2, 'not_logged_in');
  });

  test('after SIGTERM the audit passes, and seeding again creates nothing and gives the same logins', async () => {
    server.kill('SIGTERM');
    const stopped = await serverDone;
    assert.equal(stopped.code, 0, stopped.stderr);
    const out = join(directory, 'again.json');
    const seeded = await saoma(['seed', 'demo', '--db', databaseUrl(), '--out', out]);
    assert.equal(seeded.code, 0, seeded.stderr);
    const again = JSON.parse(readFileSync(out, 'utf8')) as DemoCredentialsFile;
    assert.deepEqual(again.users, credentials.users);
    assert.equal(again.server, 'http://127.0.0.1:3000');
    const audit = await saoma(['audit', '--db', databaseUrl()]);
    assert.equal(audit.code, 0, audit.stdout + audit.stderr);
  });
});

describe('saoma seed demo', () => {
  test('seeds a new database; a second run moves no money and writes the same file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'saoma-seed-'));
    try {
      const url = `sqlite:${join(directory, 'seed.db')}`;
      const first = await saoma(['seed', 'demo', '--db', url, '--out', join(directory, 'first.json')]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /applied migration 2/);
      assert.match(first.stdout, /13800000001 +demo-pass-1 +111111 +bluepay +class III +张伟/);
      const second = await saoma(['seed', 'demo', '--db', url, '--out', join(directory, 'second.json')]);
      assert.equal(second.code, 0, second.stderr);
      assert.doesNotMatch(second.stdout, /applied migration/);
      assert.equal(
        readFileSync(join(directory, 'second.json'), 'utf8'),
        readFileSync(join(directory, 'first.json'), 'utf8'),
      );
      const audit = await saoma(['audit', '--db', url, '--json']);
      assert.equal(audit.code, 0, audit.stdout);
      // Two seeds, one set of movements: each opening deposit, top-up and limit grant once.
      const report = JSON.parse(audit.stdout) as { transfers: number };
      const once = await saoma([
        'seed',
        'demo',
        '--db',
        `sqlite:${join(directory, 'other.db')}`,
        '--out',
        join(directory, 'other.json'),
      ]);
      assert.equal(once.code, 0, once.stderr);
      const other = JSON.parse(
        (await saoma(['audit', '--db', `sqlite:${join(directory, 'other.db')}`, '--json'])).stdout,
      ) as {
        transfers: number;
      };
      assert.equal(report.transfers, other.transfers);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
