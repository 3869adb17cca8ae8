// The command-line wallet and the demo seed as people run them: `saoma serve --demo` in a child
// process, then `saoma wallet …` child processes against it over HTTP, reading their JSON and
// exit codes; then `saoma seed demo` again on the stopped server's database, and the audit. A
// second server has a merchant, onboarded and signing its requests as a merchant's server would:
// the wallet pays its codes, shows a payment code its cashier scans, and `saoma settle` pays it out.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { businessDateOf } from '../acquiring/settlement.js';
import { signRequest } from '../merchant/signature.js';
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

type WalletRun = Finished & { body: Answer };

/** A `saoma serve --demo` child process on a database of its own, in a directory of its own. */
interface DemoServer {
  directory: string;
  databaseUrl: string;
  child: ChildProcess;
  done: Promise<Finished>;
  url: string;
  credentials: DemoCredentialsFile;
  /** What it printed on stdout so far. */
  output(): string;
}

async function startDemoServer(prefix: string, env: Record<string, string> = {}): Promise<DemoServer> {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const databaseUrl = `sqlite:${join(directory, 'saoma.db')}`;
  const credentialsPath = join(directory, 'demo-credentials.json');
  const child = spawn(
    process.execPath,
    [SAOMA, 'serve', '--demo', '--db', databaseUrl, '--port', '0', '--demo-out', credentialsPath],
    { env: childEnv({ SAOMA_LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = collect(child);
  const url = await listeningUrl(child);
  const credentials = JSON.parse(readFileSync(credentialsPath, 'utf8')) as DemoCredentialsFile;
  return { directory, databaseUrl, child, done, url, credentials, output: () => output };
}

/** `saoma wallet …` with --json against the server, as the person whose session file is `as`. */
async function walletAt(
  server: { directory: string; url: string },
  as: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<WalletRun> {
  const run = await saoma(['wallet', ...args, '--server', server.url, '--json'], {
    SAOMA_WALLET_FILE: join(server.directory, `${as}.wallet.json`),
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

const succeeded = (run: WalletRun): Answer => {
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  return run.body;
};

const failed = (run: WalletRun, exitCode: number, code: string): Answer => {
  assert.equal(run.code, exitCode, `${run.stdout}\n${run.stderr}`);
  assert.equal(run.body.error?.code, code, run.stdout);
  return run.body.error as Answer;
};

describe('saoma wallet against saoma serve --demo', () => {
  let demo: DemoServer;
  let directory: string;
  let server: ChildProcess;
  let serverDone: Promise<Finished>;
  let url: string;
  let credentials: DemoCredentialsFile;
  const databaseUrl = () => demo.databaseUrl;
  const person = (phone: string): DemoLogin => credentials.users.find((user) => user.phone === phone)!;
  const debitCard = (login: DemoLogin) => login.cards.find((card) => card.kind === 'debit')!.id!;
  const wallet = (as: string, args: string[], env: Record<string, string> = {}) => walletAt(demo, as, args, env);
  const login = async (as: string, login: DemoLogin) =>
    succeeded(await wallet(as, ['login', '--phone', login.phone, '--password', login.password]));
  const balanceOf = async (as: string) => BigInt(succeeded(await wallet(as, ['balance'])).available as string);

  before(async () => {
    demo = await startDemoServer('saoma-wallet-cli-');
    ({ directory, url, credentials, child: server, done: serverDone } = demo);
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
      assert.match(demo.output(), new RegExp(`${user.phone} +${user.password} +${user.pin} +${user.provider}`));
    }
    assert.match(demo.output(), new RegExp(`${url}/docs`));
    assert.match(demo.output(), new RegExp(`${url}/openapi.json`));
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
    failed(await wallet('nobody', ['paycode']), 2, 'not_logged_in');
    failed(await wallet('zhang', ['paycode', '--max-refreshes', '2']), 2, 'usage');
    failed(await wallet('zhang', ['pay', 'https://example.com/c/1', '--amount', '1.001']), 2, 'invalid_amount');
    failed(await wallet('zhang', ['pay', 'https://example.com/c/1', '--pin', '12345']), 2, 'invalid_pin');
    failed(await wallet('zhang', ['confirm', 'ord_x']), 2, 'pin_required');
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

const ADMIN_TOKEN = 'operator-token-for-wallet-cli-tests';
/** How long a test waits for the next line of a long-running command (paycode --watch). */
const LINE_TIMEOUT_MS = 20_000;

interface HttpAnswer {
  status: number;
  body: any;
}

async function adminCall(url: string, path: string, body: unknown): Promise<HttpAnswer> {
  const response = await fetch(`${url}/v1/admin${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A merchant as its own server talks to Saoma: every request signed with the app's Ed25519 key. */
interface Shop {
  merchantId: string;
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpAnswer>;
}

/** Over the operator API: the settlement bank account, the merchant (bluepay), its app's public key. */
async function onboardShop(url: string): Promise<Shop> {
  const bank = await adminCall(url, '/bank-accounts', {
    bank: 'east-bank',
    kind: 'debit',
    holder_name: '老王水果店',
    phone: '13700000001',
    amount: '0',
  });
  assert.equal(bank.status, 201, JSON.stringify(bank.body));
  const merchant = await adminCall(url, '/merchants', {
    provider: 'bluepay',
    kind: 'business',
    name: '老王水果店',
    mcc: '5411',
    settlement_bank_account_id: bank.body.id,
  });
  assert.equal(merchant.status, 201, JSON.stringify(merchant.body));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const app = await adminCall(url, `/merchants/${merchant.body.id}/apps`, {
    public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }),
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    merchantId: merchant.body.id,
    async call(method, path, body) {
      const payload = body === undefined ? '' : JSON.stringify(body);
      const headers = signRequest({
        appId: app.body.app_id,
        privateKeyPem,
        method,
        pathWithQuery: path,
        body: payload,
        timestampMs: Date.now(),
      });
      if (payload !== '') headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, ...(payload !== '' && { body: payload }) });
      return { status: response.status, body: await response.json() };
    },
  };
}

/** A command that keeps running: its stdout a JSON object a line, waited for one by one (bounded). */
function streamingSaoma(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [SAOMA, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Answer[] = [];
  const waiting: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as Answer);
    for (const wake of waiting.splice(0)) wake();
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  void exited.then(() => clearTimeout(timer));
  /** The first line (from `from` on) that has this field. */
  async function line(field: string, from = 0): Promise<Answer> {
    const deadline = Date.now() + LINE_TIMEOUT_MS;
    for (;;) {
      const found = lines.slice(from).find((entry) => field in entry);
      if (found) return found[field] as Answer;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no "${field}" line; got ${JSON.stringify(lines)}; stderr: ${stderr}`);
      }
      await new Promise<void>((wake) => {
        waiting.push(wake);
        setTimeout(wake, 500);
      });
    }
  }
  return { child, lines, line, exited, stderr: () => stderr };
}

describe('saoma wallet paying a merchant, and saoma settle', () => {
  let demo: DemoServer;
  let shop: Shop;
  /** What the merchant was paid, as the orders answered: settlement must add up to these. */
  const takings = { payments: 0, grossFen: 0n, feeFen: 0n };
  const paidOrder = (order: Answer) => {
    assert.equal(order.status, 'SUCCESS');
    takings.payments += 1;
    takings.grossFen += BigInt(order.amount as string);
    takings.feeFen += BigInt(order.fee as string);
    return order;
  };
  const person = (phone: string): DemoLogin => demo.credentials.users.find((user) => user.phone === phone)!;
  const wallet = (as: string, args: string[], env: Record<string, string> = {}) => walletAt(demo, as, args, env);
  const balanceOf = async (as: string) => BigInt(succeeded(await wallet(as, ['balance'])).available as string);
  const zhang = () => person('13800000001');
  const newOrder = async (outTradeNo: string, amount: string, subject: string) => {
    const created = await shop.call('POST', '/v1/merchant/orders', { out_trade_no: outTradeNo, amount, subject });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  };
  const scannedAtTill = (outTradeNo: string, amount: string, authCode: string) =>
    shop.call('POST', '/v1/merchant/orders/pay-by-code', {
      out_trade_no: outTradeNo,
      amount,
      subject: '果篮',
      auth_code: authCode,
    });

  before(async () => {
    demo = await startDemoServer('saoma-wallet-pay-', { SAOMA_ADMIN_TOKEN: ADMIN_TOKEN });
    shop = await onboardShop(demo.url);
    for (const [as, login] of [
      ['zhang', zhang()],
      ['li', person('13800000002')],
    ] as const) {
      succeeded(await wallet(as, ['login', '--phone', login.phone, '--password', login.password]));
    }
  });
  after(() => {
    if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    rmSync(demo.directory, { recursive: true, force: true });
  });

  test("pay an order's code URL: it says whom and what, asks (--yes), pays; again pays nothing twice", async () => {
    const order = await newOrder('CLI-1', '25000', '苹果 5 斤');
    assert.match(order.code_url, /\/c\/[A-Za-z0-9_-]+$/);
    const before = await balanceOf('zhang');
    failed(await wallet('zhang', ['pay', order.code_url]), 2, 'confirmation_required');
    const first = succeeded(await wallet('zhang', ['pay', order.code_url, '--yes']));
    assert.deepEqual(
      [first.scanned.kind, first.scanned.merchant.name, first.scanned.order.amount],
      ['order', '老王水果店', '25000'],
    );
    paidOrder(first.order);
    assert.equal(first.order.out_trade_no, 'CLI-1');
    assert.equal(await balanceOf('zhang'), before - 25_000n);
    // The server answers a payer who pays their own paid order again with that order: no money moves.
    const again = succeeded(await wallet('zhang', ['pay', order.code_url, '--yes']));
    assert.equal(again.scanned.order.status, 'SUCCESS');
    assert.deepEqual([again.order.order_id, again.order.status], [first.order.order_id, 'SUCCESS']);
    assert.equal(await balanceOf('zhang'), before - 25_000n);
    const liBefore = await balanceOf('li');
    failed(await wallet('li', ['pay', order.code_url, '--yes']), 1, 'order_paid');
    assert.equal(await balanceOf('li'), liBefore);
  });

  test('pay the EMV string of an order, in text; a mismatched --amount and an unknown code are refused', async () => {
    const order = await newOrder('CLI-2', '1200', '香蕉');
    assert.match(order.emv_qr, /^000201/);
    failed(await wallet('zhang', ['pay', order.emv_qr, '--amount', '12.01', '--yes']), 2, 'amount_mismatch');
    const run = await saoma(['wallet', 'pay', order.emv_qr, '--amount', '12', '--yes', '--server', demo.url], {
      SAOMA_WALLET_FILE: join(demo.directory, 'zhang.wallet.json'),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Paying ¥12\.00 for order CLI-2 to 老王水果店: 香蕉$/m);
    assert.match(run.stdout, /^Paid ¥12\.00 to 老王水果店: SUCCESS, order \S+ \(CLI-2\)$/m);
    takings.payments += 1;
    takings.grossFen += 1_200n;
    takings.feeFen += BigInt((await shop.call('GET', '/v1/merchant/orders/CLI-2')).body.fee as string);
    failed(await wallet('zhang', ['pay', `${demo.url}/c/nosuchcode`, '--yes']), 1, 'code_not_found');
  });

  test('a static code: exit 2 without --amount; paid with it, by its URL or the bare code', async () => {
    const store = await shop.call('POST', '/v1/merchant/stores', { name: '东门店', city: '杭州' });
    assert.equal(store.status, 201, JSON.stringify(store.body));
    const code = await shop.call('POST', `/v1/merchant/stores/${store.body.store_id}/collection-codes`);
    assert.equal(code.status, 201, JSON.stringify(code.body));
    const before = await balanceOf('zhang');
    const refused = failed(await wallet('zhang', ['pay', code.body.code_url, '--yes']), 2, 'amount_required');
    assert.match(refused.message, /老王水果店/);
    const paid = succeeded(
      await wallet('zhang', ['pay', code.body.code_url, '--amount', '12.34', '--note', '青菜', '--yes']),
    );
    assert.deepEqual([paid.scanned.kind, paid.scanned.store.name], ['static', '东门店']);
    assert.deepEqual(
      [paidOrder(paid.order).channel, paid.order.amount, paid.order.subject],
      ['static', '1234', '青菜'],
    );
    paidOrder(succeeded(await wallet('zhang', ['pay', code.body.code, '--amount', '1', '--yes'])).order);
    assert.equal(await balanceOf('zhang'), before - 1_334n);
  });

  test('above the password-free limit: without a PIN and no terminal exit 1 (pin_required); with --pin it pays', async () => {
    const order = await newOrder('CLI-3', '150000', '年货礼盒');
    const before = await balanceOf('zhang');
    const refused = failed(await wallet('zhang', ['pay', order.code_url, '--yes']), 1, 'pin_required');
    assert.match(refused.message, /¥1000\.00/);
    assert.equal(await balanceOf('zhang'), before);
    paidOrder(succeeded(await wallet('zhang', ['pay', order.code_url, '--yes', '--pin', zhang().pin])).order);
    assert.equal(await balanceOf('zhang'), before - 150_000n);
  });

  test('paycode: 18 digits from 28; the cashier scans ¥1,000.01, it waits; awaiting lists it; confirm pays', async () => {
    const issued = succeeded(await wallet('zhang', ['paycode']));
    assert.match(issued.code, /^28[0-9]{16}$/);
    assert.deepEqual([issued.password_free_limit, issued.refresh_after_seconds], ['100000', 60]);
    const scanned = await scannedAtTill('TILL-1', '100001', issued.code as string);
    assert.deepEqual([scanned.status, scanned.body.status], [202, 'USERPAYING']);
    const waiting = succeeded(await wallet('zhang', ['awaiting']));
    assert.deepEqual(
      waiting.orders.map((order: Answer) => [order.order_id, order.amount]),
      [[scanned.body.order_id, '100001']],
    );
    const before = await balanceOf('zhang');
    failed(await wallet('zhang', ['confirm', scanned.body.order_id, '--pin', '000000']), 1, 'wrong_pin');
    const confirmed = succeeded(await wallet('zhang', ['confirm', scanned.body.order_id], { SAOMA_PIN: zhang().pin }));
    assert.equal(paidOrder(confirmed).order_id, scanned.body.order_id);
    assert.equal(await balanceOf('zhang'), before - 100_001n);
    assert.deepEqual(succeeded(await wallet('zhang', ['awaiting'])).orders, []);
    // In text: the digits in groups, and the QR drawn in block characters.
    const text = await saoma(['wallet', 'paycode', '--server', demo.url], {
      SAOMA_WALLET_FILE: join(demo.directory, 'zhang.wallet.json'),
    });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Payment code {2}28( [0-9]{4}){4}$/m);
    assert.match(text.stdout, /[▀▄█]{7}/);
  });

  test('paycode --watch confirms with --pin what the cashier scanned above the limit; Ctrl-C ends it with 0', async () => {
    const watch = streamingSaoma(
      ['wallet', 'paycode', '--watch', '--json', '--pin', zhang().pin, '--server', demo.url],
      { SAOMA_WALLET_FILE: join(demo.directory, 'zhang.wallet.json') },
    );
    try {
      const shown = await watch.line('payment_code');
      const scanned = await scannedAtTill('TILL-2', '100002', shown.code as string);
      assert.deepEqual([scanned.status, scanned.body.status], [202, 'USERPAYING']);
      assert.equal((await watch.line('awaiting')).order_id, scanned.body.order_id);
      const confirmed = await watch.line('confirmed');
      assert.equal(paidOrder(confirmed).order_id, scanned.body.order_id);
      // The confirmed payment spent the code: a new one is shown at once.
      const next = await watch.line('payment_code', watch.lines.indexOf(watch.lines.find((l) => 'confirmed' in l)!));
      assert.notEqual(next.code, shown.code);
      watch.child.kill('SIGINT');
      assert.equal(await watch.exited, 0, watch.stderr());
      assert.deepEqual(await watch.line('stopped'), {
        codes_shown: 2,
        confirmed: 1,
        refused: 0,
        stopped_by: 'signal',
      });
    } finally {
      if (watch.child.exitCode === null) watch.child.kill('SIGKILL');
    }
    const order = await shop.call('GET', '/v1/merchant/orders/TILL-2');
    assert.equal(order.body.status, 'SUCCESS');
  });

  test('after SIGTERM, saoma settle: today is not over (exit 2), yesterday has nothing yet, bad dates and an unknown merchant exit 2', async () => {
    demo.child.kill('SIGTERM');
    const stopped = await demo.done;
    assert.equal(stopped.code, 0, stopped.stderr);
    const today = businessDateOf(Date.now());
    const yesterday = businessDateOf(Date.now() - 86_400_000);
    const db = ['--db', demo.databaseUrl];
    // Today's takings (the payments above) are settled once the day is over, not before.
    const early = await saoma(['settle', ...db, '--date', today]);
    assert.equal(early.code, 2, early.stdout + early.stderr);
    assert.match(early.stderr, /not over/);
    const none = await saoma(['settle', ...db, '--date', yesterday, '--merchant', shop.merchantId, '--json']);
    assert.equal(none.code, 0, none.stdout + none.stderr);
    assert.deepEqual((JSON.parse(none.stdout) as Answer).settlements, []);
    assert.ok(takings.payments > 0);
    const future = businessDateOf(Date.now() + 2 * 86_400_000);
    for (const date of ['2026-02-30', '20260101', 'yesterday', future]) {
      const bad = await saoma(['settle', ...db, '--date', date]);
      assert.equal(bad.code, 2, `${date}: ${bad.stdout}${bad.stderr}`);
      assert.match(bad.stderr, /--date/);
    }
    const nobody = await saoma(['settle', ...db, '--date', yesterday, '--merchant', 'm_nobody']);
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /no merchant m_nobody/);
    const due = await saoma(['settle', ...db, '--json']);
    assert.equal(due.code, 0, due.stderr);
    assert.deepEqual((JSON.parse(due.stdout) as Answer).settlements, [], 'nothing of today is due yet');
    const audit = await saoma(['audit', ...db]);
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
