// A tiny payment benchmark on SQLite (and PostgreSQL when SAOMA_TEST_POSTGRES is set), through the
// real processes: every figure of the report is there and sane, every request succeeded, the books
// pass both audits and every paid order queued its notification; with RSA and with Ed25519 keys,
// and once with the notifier delivering to the bench's receiver. Also the flags it refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePayBenchFlags, PAY_BENCH_DEFAULTS, type PayBenchFlags } from '../cli/bench-pay.js';
import { POSTGRES_TEST_URL } from '../testing/stores.js';
import {
  formatPayResult,
  payBenchPassed,
  runPayBench,
  type PayBenchOptions,
  type PayBenchResult,
} from './pay-bench.js';

const TINY = { payments: 200, concurrency: 8, payers: 12, merchants: 3, runs: 1, json: true } as const;
/** Smaller still, for the second key kind and the delivering notifier. */
const TINIER = { payments: 40, concurrency: 8, payers: 4, merchants: 2, runs: 1, json: true } as const;

type Size = Pick<PayBenchOptions, 'payments' | 'concurrency' | 'payers' | 'merchants' | 'runs'>;

function assertSane(result: PayBenchResult, size: Size = TINY): void {
  const label = `${result.store} ${result.keyAlgorithm}${result.deliver ? ' delivering' : ''}`;
  assert.deepEqual(result.errorCount, 0, `${label}: no request failed (${JSON.stringify(result.perRun[0]?.errors)})`);
  assert.equal(result.auditOk, true, `${label}: the audits pass (${result.perRun[0]?.auditProblems.join('; ')})`);
  assert.equal(result.notificationsOk, true, `${label}: one notification per paid order`);
  assert.ok(payBenchPassed(result));
  assert.deepEqual(
    [result.payments, result.concurrency, result.payers, result.merchants, result.runs],
    [size.payments, size.concurrency, size.payers, size.merchants, size.runs],
  );
  assert.match(result.floorRoute, /^GET \/(ping|health)$/);
  assert.equal(result.perRun.length, 1);
  const run = result.perRun[0]!;
  assert.equal(result.medianRun, run.run);
  // The warm-up pays once per payer at least, and every payment made one order and one notification.
  assert.ok(run.warmUpPayments >= size.payers);
  assert.equal(run.ordersPaid, run.warmUpPayments + size.payments);
  assert.equal(run.notificationsQueued, run.ordersPaid);
  // A payment is two or three transfers (net, the fee when there is one, the allowance), plus setup's.
  assert.ok(run.auditedTransfers > 2 * run.ordersPaid, `${label}: the journal has the payments`);
  for (const field of ['paymentsPerSecond', 'floorPairsPerSecond', 'ratio', 'serverCpuPercent'] as const) {
    assert.ok(Number.isFinite(run[field]) && run[field] > 0, `${label}: ${field} is positive (${run[field]})`);
  }
  assert.deepEqual(
    [result.paymentsPerSecond, result.ratio, result.peakRssBytes],
    [run.paymentsPerSecond, run.ratio, run.peakRssBytes],
    `${label}: the top-level figures are the median run's`,
  );
  assert.ok(
    run.eventLoopBusyPercent > 0 && run.eventLoopBusyPercent <= 100,
    `${label}: the event loop was busy part of the run (${run.eventLoopBusyPercent}%)`,
  );
  if (process.platform === 'linux') {
    assert.ok(run.mainThreadCpuMsPerPayment! > 0, `${label}: the main thread's CPU per payment is measured`);
    assert.ok(run.mainThreadRunQueuePercent! >= 0 && run.mainThreadRunQueuePercent! <= 100);
  }
  assert.ok(run.p50Ms > 0 && run.p50Ms <= run.p99Ms, `${label}: 0 < p50 ≤ p99`);
  assert.ok(run.orderP50Ms > 0 && run.payP50Ms > 0 && run.orderP50Ms + run.payP50Ms <= 2 * run.p99Ms);
  assert.ok(run.floorP50Ms > 0 && run.floorP50Ms <= run.floorP99Ms, `${label}: floor 0 < p50 ≤ p99`);
  assert.ok(result.peakRssBytes > 20 * 1_048_576, `${label}: the server's peak RSS is a plausible number of bytes`);
  // Every order of the timed payments was signed before the clock, none inside it.
  assert.equal(run.ordersPresigned, size.payments);
  assert.equal(run.ordersSignedInWindow, 0);
  assert.ok(run.signSeconds >= 0 && run.signCpuSeconds >= 0);
  if (result.deliver) {
    // Delivery is at least once: a retried webhook may arrive twice, none may be missing.
    assert.ok(run.webhooksReceived !== null && run.webhooksReceived >= run.ordersPaid, `${label}: every webhook came`);
    assert.ok(run.webhooksInWindow !== null && run.webhooksInWindow <= run.webhooksReceived);
    assert.deepEqual([run.webhooksOk, result.webhooksOk], [true, true]);
  } else {
    const nothing = [run.webhooksInWindow, run.webhooksReceived, run.webhooksOk, result.webhooksOk];
    assert.deepEqual(nothing, [null, null, null, null], `${label}: nothing is delivered`);
  }
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result, `${label}: the result is plain JSON`);
}

/** Runs the benchmark with its result lines caught instead of written to the test's stdout. */
async function runCaptured(options: Omit<PayBenchOptions, 'output'>) {
  let text = '';
  const results = await runPayBench({ ...options, output: { write: (chunk: string) => (text += chunk) } });
  return { results, lines: text.split('\n').filter(Boolean) };
}

test('a tiny SQLite payment benchmark reports every figure, fails no request and passes the audits', async () => {
  const { results, lines } = await runCaptured({ ...TINY, keyAlgorithm: 'rsa', stores: ['sqlite'] });
  assert.equal(results.length, 1);
  assertSane(results[0]!);
  assert.deepEqual([results[0]!.keyAlgorithm, results[0]!.deliver], ['rsa', false]);
  const text = formatPayResult(results[0]!);
  assert.match(text, /signing with RSA-2048; notifications queued \(notifier off\)/);
  assert.match(text, /server's main thread: event loop busy \d+%/);
  assert.deepEqual(
    lines.map((line) => JSON.parse(line) as unknown),
    results,
    'one JSON line per store, nothing else',
  );
});

test("with Ed25519 keys and the notifier delivering, every paid order's webhook reaches the receiver", async () => {
  const { results } = await runCaptured({ ...TINIER, keyAlgorithm: 'ed25519', deliver: true, stores: ['sqlite'] });
  assert.equal(results.length, 1);
  const result = results[0]!;
  assertSane(result, TINIER);
  assert.deepEqual([result.keyAlgorithm, result.deliver], ['ed25519', true]);
  assert.ok(result.perRun[0]!.webhooksReceived! >= TINIER.payments);
  const text = formatPayResult(result);
  assert.match(text, /signing with Ed25519; notifier delivering to a receiver/);
  assert.match(text, /webhooks received: [\d,]+ in the timed window, [\d,]+ by the finish \(≥ paid orders\)/);
});

test(
  'a tiny PostgreSQL payment benchmark reports every figure and passes the audits',
  { skip: !POSTGRES_TEST_URL },
  async () => {
    const { results } = await runCaptured({ ...TINY, stores: ['postgres'], postgresUrl: POSTGRES_TEST_URL });
    assert.equal(results.length, 1);
    assertSane(results[0]!);
  },
);

test('the benchmark refuses options it cannot honour', async () => {
  await assert.rejects(runPayBench({ ...TINY, stores: ['postgres'] }), /postgresUrl/);
  await assert.rejects(runPayBench({ ...TINY, concurrency: 0, stores: ['sqlite'] }), RangeError);
  // 10,000 payments of up to ¥99.99 from one payer is past the ¥200,000 class III allowance.
  await assert.rejects(runPayBench({ ...TINY, payers: 1, payments: 10_000, stores: ['sqlite'] }), /allowance/);
});

test('the flags: defaults, both stores, and refusals', () => {
  const defaults: PayBenchFlags = { ...PAY_BENCH_DEFAULTS };
  const parsed = parsePayBenchFlags(defaults, {});
  assert.ok(parsed.ok);
  assert.deepEqual(
    [parsed.value.stores, parsed.value.payments, parsed.value.concurrency, parsed.value.runs, parsed.value.json],
    [['sqlite'], 20_000, 64, 3, false],
  );
  assert.deepEqual([parsed.value.keyAlgorithm, parsed.value.deliver], ['rsa', false]);
  const ed25519 = parsePayBenchFlags({ ...defaults, key: 'Ed25519', deliver: true }, {});
  assert.ok(ed25519.ok);
  assert.deepEqual([ed25519.value.keyAlgorithm, ed25519.value.deliver], ['ed25519', true]);
  const both = parsePayBenchFlags({ ...defaults, store: 'both' }, { SAOMA_BENCH_POSTGRES: 'postgres://x@h/db' });
  assert.ok(both.ok);
  assert.deepEqual([both.value.stores, both.value.postgresUrl], [['sqlite', 'postgres'], 'postgres://x@h/db']);
  const refusals: [Partial<PayBenchFlags>, RegExp][] = [
    [{ store: 'postgres' }, /needs a server/],
    [{ store: 'mysql' }, /not "mysql"/],
    [{ runs: '0' }, /--runs/],
    [{ concurrency: '4097' }, /--concurrency/],
    [{ payments: '1e3' }, /--payments/],
    [{ key: 'dsa' }, /--key takes rsa or ed25519, not "dsa"/],
  ];
  for (const [flags, message] of refusals) {
    const refused = parsePayBenchFlags({ ...defaults, ...flags }, {});
    assert.ok(!refused.ok && message.test(refused.error.message), `${JSON.stringify(flags)} is refused`);
  }
});
