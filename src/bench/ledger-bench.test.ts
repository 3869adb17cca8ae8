// A tiny ledger benchmark on SQLite (and PostgreSQL when SAOMA_TEST_POSTGRES is set): every
// field of the result is there with a sane value, and the books pass the audit afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POSTGRES_TEST_URL } from '../testing/stores.js';
import { runLedgerBench, type BenchResult, type LedgerBenchOptions } from './ledger-bench.js';

const TINY = { accounts: 200, transfers: 2_000, concurrency: 64, batchMax: 8_190, json: true } as const;

function assertSane(result: BenchResult): void {
  const label = `${result.store} ${result.mix}`;
  assert.equal(result.auditOk, true, `${label}: the audit passes`);
  assert.equal(result.failedTransfers, 0, `${label}: every transfer is ok`);
  assert.equal(result.accounts, TINY.accounts);
  assert.equal(result.transfers, TINY.transfers);
  assert.equal(result.concurrency, TINY.concurrency);
  // The closed loop, the half-load phase, one funding transfer per wallet that pays out and the warm-up.
  const timed = TINY.transfers + result.halfLoadTransfers;
  assert.ok(result.auditedTransfers > timed, `${label}: the journal has every transfer`);
  assert.ok(result.auditedTransfers <= timed + TINY.accounts + 1, `${label}: and nothing more`);
  for (const field of ['transfersPerSecond', 'baselineTransfersPerSecond', 'ratio', 'halfLoadRatePerSecond'] as const) {
    assert.ok(Number.isFinite(result[field]) && result[field] > 0, `${label}: ${field} is positive (${result[field]})`);
  }
  assert.ok(result.p50Ms > 0 && result.p50Ms <= result.p99Ms, `${label}: 0 < p50 ≤ p99`);
  assert.ok(result.halfLoadP50Ms >= 0 && result.halfLoadP50Ms <= result.halfLoadP99Ms, `${label}: half-load p50 ≤ p99`);
  assert.ok(result.peakRssBytes > 10 * 1_048_576, `${label}: peak RSS is a plausible number of bytes`);
  assert.ok(
    result.batches >= Math.ceil(TINY.transfers / TINY.concurrency),
    `${label}: no batch took more than the callers had`,
  );
  assert.ok(
    result.meanBatch >= 1 && result.meanBatch <= TINY.concurrency,
    `${label}: mean batch within 1 … concurrency`,
  );
  assert.equal(result.baselineBatch, Math.round(result.meanBatch), `${label}: the baseline batches as the ledger did`);
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result, `${label}: the result is plain JSON`);
}

/** Runs the benchmark with its result lines caught instead of written to the test's stdout. */
async function runCaptured(options: Omit<LedgerBenchOptions, 'output'>) {
  let text = '';
  const results = await runLedgerBench({ ...options, output: { write: (chunk: string) => (text += chunk) } });
  return { results, lines: text.split('\n').filter(Boolean) };
}

test('a tiny SQLite benchmark reports every figure and passes the audit', async () => {
  const { results, lines } = await runCaptured({ ...TINY, stores: ['sqlite'], mixes: ['uniform', 'hot'] });
  assert.deepEqual(
    results.map((result) => `${result.store} ${result.mix}`),
    ['sqlite uniform', 'sqlite hot'],
  );
  results.forEach(assertSane);
  assert.deepEqual(
    lines.map((line) => JSON.parse(line) as unknown),
    results,
    'one JSON line per store and mix, nothing else',
  );
});

test(
  'a tiny PostgreSQL benchmark reports every figure and passes the audit',
  { skip: !POSTGRES_TEST_URL },
  async () => {
    const { results } = await runCaptured({
      ...TINY,
      stores: ['postgres'],
      mixes: ['hot'],
      postgresUrl: POSTGRES_TEST_URL,
    });
    assert.equal(results.length, 1);
    results.forEach(assertSane);
  },
);

test('the benchmark refuses options it cannot honour', async () => {
  await assert.rejects(runLedgerBench({ ...TINY, stores: ['postgres'], mixes: ['uniform'] }), /postgresUrl/);
  await assert.rejects(runLedgerBench({ ...TINY, accounts: 1, stores: ['sqlite'], mixes: ['uniform'] }), RangeError);
  await assert.rejects(runLedgerBench({ ...TINY, concurrency: 0, stores: ['sqlite'], mixes: ['uniform'] }), RangeError);
});
