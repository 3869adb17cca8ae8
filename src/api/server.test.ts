// The HTTP server in-process through app.inject: the error shape on every path, the admin
// token, and the operator ledger API end to end, on every store that can be tested here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createLedgerService, type LedgerService } from '../ledger/service.js';
import { AccountFlags, TRANSFER_RESULT_CODES, TransferFlags } from '../ledger/types.js';
import { CALL_TRANSFERS_MAX } from '../ledger/validate.js';
import { createManualClock } from '../shared/clock.js';
import { testStores, type TestDatabase } from '../testing/stores.js';
import { ERROR_STATUS, TRANSFER_REFUSAL_MESSAGES } from './errors.js';
import { buildServer } from './server.js';
import { MIGRATIONS } from '../store/migrations.js';

const TOKEN = 'test-admin-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Harness {
  app: FastifyInstance;
  ledger: LedgerService;
  database: TestDatabase;
  logLines: string[];
  close(): Promise<void>;
}

async function startHarness(
  kind: (typeof testStores)[number],
  options: { adminToken?: string | null; ledger?: (real: LedgerService) => LedgerService } = {},
): Promise<Harness> {
  const database = await kind.create();
  const real = createLedgerService({ store: database.store, clock: createManualClock() });
  const ledger = options.ledger ? options.ledger(real) : real;
  const logLines: string[] = [];
  const app = buildServer({
    ledger,
    store: database.store,
    config: { adminToken: options.adminToken === undefined ? TOKEN : options.adminToken },
    logger: { level: 'error', stream: { write: (line) => logLines.push(line) } },
  });
  return {
    app,
    ledger: real,
    database,
    logLines,
    async close() {
      await app.close();
      await real.close();
      await database.cleanup();
    },
  };
}

/** Asserts the error shape and returns the error object. */
function expectError(response: LightMyRequestResponse, status: number, code: string) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(response.headers['content-type'] as string, /^application\/json/);
  const body = response.json() as { error: { code: string; message: string; field?: string } };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  return body.error;
}

test('every transfer refusal has a status and a sentence', () => {
  for (const code of TRANSFER_RESULT_CODES.filter((code) => code !== 'ok')) {
    const status = ERROR_STATUS[code];
    assert.ok([400, 404, 409, 422].includes(status), `${code} → ${status}`);
    assert.ok(TRANSFER_REFUSAL_MESSAGES[code].length > 10, code);
  }
  assert.equal(ERROR_STATUS.insufficient_funds, 422);
  assert.equal(ERROR_STATUS.exists_with_different_fields, 409);
  assert.equal(ERROR_STATUS.debit_account_not_found, 404);
  assert.equal(ERROR_STATUS.amount_must_not_be_negative, 400);
  assert.equal(ERROR_STATUS.ledger_overloaded, 503);
  assert.equal(ERROR_STATUS.ledger_closed, 503);
});

for (const kind of testStores) {
  describe(`HTTP API on ${kind.name}`, { skip: kind.skip }, () => {
    describe('edges', () => {
      let harness: Harness;
      before(async () => (harness = await startHarness(kind)));
      after(() => harness.close());

      test('GET /health answers with the store, the schema version and the writer', async () => {
        const response = await harness.app.inject({ method: 'GET', url: '/health' });
        assert.equal(response.statusCode, 200);
        const body = response.json();
        assert.equal(body.status, 'ok');
        assert.equal(body.store, kind.kind);
        assert.equal(body.schemaVersion, MIGRATIONS.at(-1)!.version);
        assert.deepEqual(Object.keys(body.writer).sort(), ['batches', 'largestBatch', 'queued', 'transfers']);
      });

      test('an unknown route is a 404 in the error shape', async () => {
        const response = await harness.app.inject({ method: 'GET', url: '/no/such/route?x=1' });
        const error = expectError(response, 404, 'not_found');
        assert.match(error.message, /GET \/no\/such\/route$/);
      });

      test('a malformed JSON body is a 400 invalid_request', async () => {
        const response = await harness.app.inject({
          method: 'POST',
          url: '/v1/admin/ledger/transfer',
          headers: { ...AUTH, 'content-type': 'application/json' },
          payload: '{"id": "t-1", "amount": ',
        });
        const error = expectError(response, 400, 'invalid_request');
        assert.match(error.message, /not valid JSON/);
      });

      const schemaCases: [string, object | string, string][] = [
        ['an amount with a decimal point', { id: 't-1', amount: '12.50' }, 'body.amount'],
        // A JSON number is refused, not coerced: 2^53 + 1 would silently become 2^53.
        ['an amount as a JSON number', '{"id": "t-1", "amount": 9007199254740993}', 'body.amount'],
        ['a missing id', { amount: '5' }, 'body.id'],
        ['an unknown field', { id: 't-1', amount: '5', timeout_second: 5 }, 'body.timeout_second'],
        ['an account id that is not digits', { id: 't-1', debit_account_id: '-1' }, 'body.debit_account_id'],
        ['an account id past int8', { id: 't-1', debit_account_id: '9999999999999999999' }, 'body.debit_account_id'],
      ];
      for (const [name, payload, field] of schemaCases) {
        test(`a failing field is a 400 that names it: ${name}`, async () => {
          const response = await harness.app.inject({
            method: 'POST',
            url: '/v1/admin/ledger/transfer',
            headers: { ...AUTH, 'content-type': 'application/json' },
            payload,
          });
          const error = expectError(response, 400, 'invalid_request');
          assert.equal(error.field, field);
          assert.ok(error.message.startsWith(field), error.message);
        });
      }

      test('a batch names the failing transfer by its index', async () => {
        const response = await harness.app.inject({
          method: 'POST',
          url: '/v1/admin/ledger/transfers',
          headers: AUTH,
          payload: {
            transfers: [
              { id: 'a', amount: '1' },
              { id: 'b', amount: 'x' },
            ],
          },
        });
        assert.equal(expectError(response, 400, 'invalid_request').field, 'body.transfers[1].amount');
      });

      test(`a batch of more than ${CALL_TRANSFERS_MAX} transfers is refused whole`, async () => {
        const transfers = Array.from({ length: CALL_TRANSFERS_MAX + 1 }, (_, index) => ({ id: `big-${index}` }));
        const response = await harness.app.inject({
          method: 'POST',
          url: '/v1/admin/ledger/transfers',
          headers: AUTH,
          payload: { transfers },
        });
        assert.equal(expectError(response, 400, 'invalid_request').field, 'body.transfers');
        assert.equal(await harness.ledger.getTransfer('big-0'), null);
      });

      test('the admin API needs the bearer token', async () => {
        for (const headers of [
          {},
          { authorization: 'Bearer wrong-token-0123456789abcdef' },
          { authorization: TOKEN },
        ]) {
          const response = await harness.app.inject({ method: 'GET', url: '/v1/admin/audit', headers });
          expectError(response, 401, 'unauthorized');
          assert.match(response.headers['www-authenticate'] as string, /^Bearer/);
        }
        // The token is checked before the body: no hint about the schema without it.
        const unauthorized = await harness.app.inject({
          method: 'POST',
          url: '/v1/admin/ledger/transfer',
          payload: { nope: 1 },
        });
        expectError(unauthorized, 401, 'unauthorized');
        const authorized = await harness.app.inject({ method: 'GET', url: '/v1/admin/audit', headers: AUTH });
        assert.equal(authorized.statusCode, 200);
      });

      test('unknown accounts and transfers are 404s with their own codes', async () => {
        const cases: [string, string][] = [
          ['/v1/admin/ledger/accounts/424242', 'account_not_found'],
          ['/v1/admin/ledger/accounts/9999999999999999999', 'account_not_found'],
          ['/v1/admin/ledger/accounts/424242/transfers', 'account_not_found'],
          ['/v1/admin/ledger/transfers/no-such-transfer', 'transfer_not_found'],
        ];
        for (const [url, code] of cases) {
          expectError(await harness.app.inject({ method: 'GET', url, headers: AUTH }), 404, code);
        }
        expectError(
          await harness.app.inject({ method: 'GET', url: '/v1/admin/ledger/accounts/abc', headers: AUTH }),
          400,
          'invalid_request',
        );
      });
    });

    test('without an admin token the admin API does not exist', async () => {
      const harness = await startHarness(kind, { adminToken: null });
      try {
        for (const url of ['/v1/admin/audit', '/v1/admin/ledger/accounts/1']) {
          expectError(await harness.app.inject({ method: 'GET', url, headers: AUTH }), 404, 'not_found');
        }
        const response = await harness.app.inject({
          method: 'POST',
          url: '/v1/admin/ledger/transfer',
          headers: AUTH,
          payload: { id: 'x' },
        });
        expectError(response, 404, 'not_found');
      } finally {
        await harness.close();
      }
    });

    test('an unexpected error is a 500 that is logged and shows no detail', async () => {
      const harness = await startHarness(kind, {
        ledger: (real) => ({
          ...real,
          getAccount: async () => {
            throw new Error('secret detail from the driver');
          },
        }),
      });
      try {
        const response = await harness.app.inject({ method: 'GET', url: '/v1/admin/ledger/accounts/1', headers: AUTH });
        const error = expectError(response, 500, 'internal_error');
        assert.doesNotMatch(response.body, /secret detail|\bat \w/);
        assert.match(error.message, /request \S+/);
        const logged = harness.logLines.map(
          (line) => JSON.parse(line) as { level: number; err?: { message: string; stack: string } },
        );
        assert.ok(
          logged.some(
            (line) => line.level === 50 && line.err?.message === 'secret detail from the driver' && line.err.stack,
          ),
        );
      } finally {
        await harness.close();
      }
    });

    test('a closed ledger is a 503 ledger_closed, and a dead database fails /health with 503', async () => {
      const harness = await startHarness(kind);
      try {
        await setUpBook(harness.app);
        await harness.ledger.close();
        const response = await harness.app.inject({
          method: 'POST',
          url: '/v1/admin/ledger/transfer',
          headers: AUTH,
          payload: { id: 'late', debit_account_id: '1', credit_account_id: '2', amount: '1', ledger_id: 1, code: 1 },
        });
        expectError(response, 503, 'ledger_closed');
        await harness.database.store.close();
        expectError(await harness.app.inject({ method: 'GET', url: '/health' }), 503, 'store_unavailable');
      } finally {
        await harness.close();
      }
    });

    describe('operator ledger API', () => {
      let harness: Harness;
      let book: { source: string; alice: string; bob: string };
      before(async () => {
        harness = await startHarness(kind);
        book = await setUpBook(harness.app);
      });
      after(() => harness.close());

      const post = (url: string, payload: object) =>
        harness.app.inject({ method: 'POST', url: `/v1/admin/ledger${url}`, headers: AUTH, payload });
      const get = (url: string) => harness.app.inject({ method: 'GET', url: `/v1/admin${url}`, headers: AUTH });
      const transfer = (id: string, from: string, to: string, amount: string, extra: object = {}) => ({
        id,
        debit_account_id: from,
        credit_account_id: to,
        amount,
        ledger_id: 1,
        code: 1,
        ...extra,
      });
      const balances = async (id: string) => {
        const response = await get(`/ledger/accounts/${id}`);
        assert.equal(response.statusCode, 200);
        return response.json() as { debits_posted: string; credits_posted: string; debits_pending: string };
      };

      test('creating the same institution again returns it; another body is a 409', async () => {
        const again = await post('/institutions', { id: 'test-bank', name: 'Test Bank', kind: 'bank' });
        assert.equal(again.statusCode, 200);
        assert.deepEqual(again.json(), { id: 'test-bank', name: 'Test Bank', kind: 'bank' });
        expectError(await post('/institutions', { id: 'test-bank', name: 'Other', kind: 'bank' }), 409, 'conflict');
        expectError(await post('/institutions', { id: 'Bad Id', name: 'x', kind: 'bank' }), 400, 'invalid_institution');
        expectError(await post('/institutions', { id: 'x', name: 'x', kind: 'casino' }), 400, 'invalid_request');
        expectError(
          await post('/accounts', { institution_id: 'nobody', ledger_id: 1, code: 1 }),
          404,
          'institution_not_found',
        );
      });

      test('a transfer moves money; a replay returns the first result; another body is a 409', async () => {
        const first = await post('/transfer', transfer('pay-1', book.alice, book.bob, '250', { user_data: 'order-1' }));
        assert.equal(first.statusCode, 200, first.body);
        const result = first.json() as { id: string; code: string; replayed: boolean; seq: string; amount: string };
        assert.equal(result.code, 'ok');
        assert.equal(result.replayed, false);
        assert.equal(result.amount, '250');
        assert.match(result.seq, /^[0-9]+$/);
        const replay = await post(
          '/transfer',
          transfer('pay-1', book.alice, book.bob, '250', { user_data: 'order-1' }),
        );
        assert.equal(replay.statusCode, 200);
        assert.deepEqual(replay.json(), { ...result, replayed: true });
        expectError(
          await post('/transfer', transfer('pay-1', book.alice, book.bob, '251')),
          409,
          'exists_with_different_fields',
        );
        assert.equal((await balances(book.bob)).credits_posted, '250');

        const stored = await get('/ledger/transfers/pay-1');
        assert.equal(stored.statusCode, 200);
        assert.equal(stored.json().amount, '250');
        assert.equal(stored.json().user_data, 'order-1');
        assert.equal(stored.json().debit_account_id, book.alice);
      });

      test('a refused transfer answers 422 insufficient_funds in the error shape and moves nothing', async () => {
        const before = await balances(book.alice);
        const response = await post('/transfer', transfer('too-much', book.alice, book.bob, '1000000'));
        const error = expectError(response, 422, 'insufficient_funds');
        assert.match(error.message, /too-much/);
        assert.deepEqual(await balances(book.alice), before);
        // The refusal is the id's answer from now on.
        expectError(
          await post('/transfer', transfer('too-much', book.alice, book.bob, '1000000')),
          422,
          'insufficient_funds',
        );
      });

      test('the ledger’s own refusals pass through with their codes', async () => {
        expectError(
          await post('/transfer', transfer('neg', book.alice, book.bob, '-5')),
          400,
          'amount_must_not_be_negative',
        );
        expectError(
          await post('/transfer', transfer('zero', book.alice, book.bob, '0')),
          400,
          'amount_must_not_be_zero',
        );
        expectError(
          await post('/transfer', transfer('nowhere', book.alice, '777777', '1')),
          404,
          'credit_account_not_found',
        );
        expectError(await post('/transfer', { id: 'saoma:mine' }), 400, 'reserved_id');
      });

      test('a batch answers 200 with one result per transfer, amounts past 2^53 exact', async () => {
        const big = '9007199254740993';
        const response = await post('/transfers', {
          transfers: [
            transfer('batch-1', book.source, book.bob, big),
            transfer('batch-2', book.alice, book.bob, '999999999'),
            transfer('batch-3', book.alice, book.bob, '0'),
            transfer('hold-1', book.alice, book.bob, '5', { flags: TransferFlags.pending, timeout_seconds: 60 }),
          ],
        });
        assert.equal(response.statusCode, 200, response.body);
        const { results } = response.json() as {
          results: { id: string; code: string; seq: string | null; amount: string | null }[];
        };
        assert.deepEqual(
          results.map((result) => [result.id, result.code]),
          [
            ['batch-1', 'ok'],
            ['batch-2', 'insufficient_funds'],
            ['batch-3', 'amount_must_not_be_zero'],
            ['hold-1', 'ok'],
          ],
        );
        assert.equal(results[0]!.amount, big);
        assert.equal(results[1]!.seq, null);
        assert.equal((await balances(book.bob)).credits_posted, (250n + BigInt(big)).toString());
        assert.equal((await balances(book.alice)).debits_pending, '5');
      });

      test('history pages newest first with before_seq and limit, at most 1000 a page', async () => {
        const payments = Array.from({ length: 7 }, (_, index) =>
          transfer(`page-${index}`, book.source, book.alice, '1'),
        );
        assert.equal((await post('/transfers', { transfers: payments })).statusCode, 200);
        const seen: string[] = [];
        let beforeSeq: string | null = null;
        for (let page = 0; page < 20; page++) {
          const query: string = beforeSeq === null ? 'limit=3' : `limit=3&before_seq=${beforeSeq}`;
          const response = await get(`/ledger/accounts/${book.alice}/transfers?${query}`);
          assert.equal(response.statusCode, 200, response.body);
          const body = response.json() as { transfers: { id: string }[]; next_before_seq: string | null };
          assert.ok(body.transfers.length <= 3);
          seen.push(...body.transfers.map((entry) => entry.id));
          beforeSeq = body.next_before_seq;
          if (beforeSeq === null) break;
        }
        assert.deepEqual(
          seen.filter((id) => id.startsWith('page-')),
          payments.map((payment) => payment.id).reverse(),
        );
        assert.ok(seen.includes('pay-1') && seen.includes('hold-1'));
        for (const query of [
          'limit=1001',
          'limit=0',
          'limit=abc',
          'before_seq=-1',
          'before_seq=99999999999999999999',
        ]) {
          const response = await get(`/ledger/accounts/${book.alice}/transfers?${query}`);
          assert.match(expectError(response, 400, 'invalid_request').field ?? '', /^querystring\./, query);
        }
        assert.equal((await get(`/ledger/accounts/${book.alice}/transfers?limit=1000`)).statusCode, 200);
      });

      test('the audit endpoint reports balanced books with amounts as strings', async () => {
        const response = await get('/audit');
        assert.equal(response.statusCode, 200);
        const report = response.json() as {
          ok: boolean;
          problems: unknown[];
          ledgers: { ledger_id: number; debits_posted: string; credits_posted: string }[];
        };
        assert.equal(report.ok, true);
        assert.deepEqual(report.problems, []);
        const cny = report.ledgers.find((ledger) => ledger.ledger_id === 1)!;
        assert.equal(typeof cny.debits_posted, 'string');
        assert.equal(cny.debits_posted, cny.credits_posted);
        assert.ok(BigInt(cny.debits_posted) > 9007199254740993n);
      });
    });
  });
}

/** An institution, a CNY ledger, an unflagged source, and two wallets (alice funded with 1000). */
async function setUpBook(app: FastifyInstance) {
  const post = async (url: string, payload: object) => {
    const response = await app.inject({ method: 'POST', url: `/v1/admin/ledger${url}`, headers: AUTH, payload });
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    return response.json() as { id: string; code?: string };
  };
  await post('/institutions', { id: 'test-bank', name: 'Test Bank', kind: 'bank' });
  await post('/ledgers', { id: 1, currency: 'CNY', scale: 2, name: 'Renminbi' });
  const account = async (flags: number) =>
    (await post('/accounts', { institution_id: 'test-bank', ledger_id: 1, code: 1, flags })).id;
  const source = await account(0);
  const alice = await account(AccountFlags.debitsMustNotExceedCredits);
  const bob = await account(AccountFlags.debitsMustNotExceedCredits);
  const funded = await post('/transfer', {
    id: `fund-${alice}`,
    debit_account_id: source,
    credit_account_id: alice,
    amount: '1000',
    ledger_id: 1,
    code: 1,
  });
  assert.equal(funded.code, 'ok');
  return { source, alice, bob };
}
