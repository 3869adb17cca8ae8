// The wallet over HTTP on every store: top-up, withdrawal with its fee and free quota, transfers,
// tier limits at their edges, idempotency, the statement; the audits pass after each test.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultProviderPolicy } from '../network/policy.js';
import { withWalletHarness, type Person, type WalletHarness } from '../testing/wallet-app.js';
import { testStores } from '../testing/stores.js';

/** A provider with small limits, so that every edge is a few fen away: ¥10 for life, ¥50 and ¥100 a year, ¥20 free. */
async function addTinyPay(h: WalletHarness): Promise<void> {
  const policy = defaultProviderPolicy(20);
  policy.tiers = {
    1: { limitFen: 1_000n, period: 'lifetime' },
    2: { limitFen: 5_000n, period: 'year' },
    3: { limitFen: 100_000n, period: 'year' },
  };
  const created = await h.modules.network.createProvider({ id: 'tinypay', name: 'TinyPay', nameZh: '小付', policy });
  assert.ok(created.ok);
}

/** On TinyPay: a funder, a class I user given ¥30.00 by it, and someone for that user to pay. */
async function classOneWithBalance(h: WalletHarness) {
  await addTinyPay(h);
  const funder = await h.funded(100_000n, 'tinypay');
  const classOne = await h.signUp('tinypay');
  const receiver = await h.signUp('tinypay');
  assert.equal((await transfer(h, funder, classOne, '3000', 'fund')).status, 201);
  return { funder, classOne, receiver };
}

const transfer = (h: WalletHarness, from: Person, to: Person, amount: string, key: string) =>
  h.call('POST', '/v1/wallet/transfers', {
    token: from.token,
    key,
    body: { to_phone: to.phone, amount, pin: from.pin },
  });

for (const storeKind of testStores) {
  describe(`wallet on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>) => withWalletHarness(storeKind, run);

    test(
      'top up, transfer, withdraw; the statement and balances match the ledger',
      withHarness(async (h) => {
        const alice = await h.funded(100_000n);
        const bob = await h.funded(0n);
        assert.equal(await h.balanceOf(alice), 100_000n);
        const sent = await h.call('POST', '/v1/wallet/transfers', {
          token: alice.token,
          key: 'pay-bob-1',
          body: { to_phone: bob.phone, amount: '2500', note: 'lunch', pin: alice.pin },
        });
        assert.equal(sent.status, 201, JSON.stringify(sent.body));
        assert.equal(sent.body.status, 'succeeded');
        assert.equal(await h.balanceOf(alice), 97_500n);
        assert.equal(await h.balanceOf(bob), 2_500n);
        const bobStatement = await h.call('GET', '/v1/wallet/statement', { token: bob.token });
        assert.equal(bobStatement.status, 200);
        const line = bobStatement.body.lines[0];
        assert.equal(line.kind, 'transfer_in');
        assert.equal(line.amount, '2500');
        assert.equal(line.note, 'lunch');
        assert.equal(
          line.counterparty.name,
          `${'*'.repeat(Array.from(alice.name).length - 1)}${Array.from(alice.name).at(-1)}`,
        );
        assert.equal(bobStatement.body.balance.available, '2500');

        const quote = await h.call('GET', '/v1/wallet/withdrawals/quote?amount=50000', { token: alice.token });
        assert.equal(quote.status, 200);
        assert.equal(quote.body.fee, '0');
        const withdrawn = await h.call('POST', '/v1/wallet/withdrawals', {
          token: alice.token,
          key: 'w-1',
          body: { card_id: alice.cardId, amount: '50000', pin: alice.pin, expected_fee: '0' },
        });
        assert.equal(withdrawn.status, 201, JSON.stringify(withdrawn.body));
        assert.equal(await h.balanceOf(alice), 47_500n);
        const aliceStatement = await h.call('GET', '/v1/wallet/statement?limit=2', { token: alice.token });
        assert.deepEqual(
          aliceStatement.body.lines.map((l: { kind: string }) => l.kind),
          ['withdrawal', 'transfer_out'],
        );
        const older = await h.call('GET', `/v1/wallet/statement?before=${aliceStatement.body.next_before}`, {
          token: alice.token,
        });
        assert.deepEqual(
          older.body.lines.map((l: { kind: string }) => l.kind),
          ['top_up'],
        );
        assert.equal(older.body.next_before, null);
        const incoming = await h.call('GET', '/v1/wallet/statement?direction=in', { token: alice.token });
        assert.deepEqual(
          incoming.body.lines.map((l: { kind: string }) => l.kind),
          ['top_up'],
        );
        const now = new Date(h.clock.nowMs()).toISOString();
        const later = await h.call('GET', `/v1/wallet/statement?from=${now}`, { token: alice.token });
        assert.equal(later.body.lines.length, 3, 'everything happened at the same manual-clock instant');
        const before = await h.call('GET', `/v1/wallet/statement?to=${now}`, { token: alice.token });
        assert.equal(before.body.lines.length, 0);
        const badKind = await h.call('GET', '/v1/wallet/statement?kind=bribes', { token: alice.token });
        assert.deepEqual([badKind.status, badKind.body.error.field], [400, 'querystring.kind']);
        const tooMany = await h.call('GET', '/v1/wallet/statement?limit=101', { token: alice.token });
        assert.equal(tooMany.status, 400);
      }),
    );

    test(
      'tier allowances: class I at, just under and over ¥10 for life; class II for the year; a new year starts again',
      withHarness(async (h) => {
        const { funder, classOne, receiver } = await classOneWithBalance(h);
        assert.equal((await transfer(h, classOne, receiver, '999', 'under')).status, 201);
        assert.equal((await transfer(h, classOne, receiver, '1', 'at')).status, 201);
        const over = await transfer(h, classOne, receiver, '1', 'over');
        assert.deepEqual([over.status, over.body.error.code], [422, 'tier_limit_exceeded']);
        assert.equal(over.body.error.details.limit, 'class_1_lifetime');
        assert.equal(over.body.error.details.left_fen, '0');
        assert.match(over.body.error.message, /¥0\.00 left of ¥10\.00 since the account was opened/);
        assert.match(over.body.error.details.how_to_raise, /real name/);
        assert.equal(await h.balanceOf(classOne), 2_000n);
        // The refusal is the operation's answer: the same key gets it again, and moves nothing.
        const replay = await transfer(h, classOne, receiver, '1', 'over');
        assert.deepEqual([replay.status, replay.body.error.code], [422, 'tier_limit_exceeded']);

        await h.verify(classOne);
        assert.equal(
          (await transfer(h, classOne, receiver, '2001', 'too-much')).body.error.code,
          'insufficient_balance',
        );
        assert.equal((await transfer(h, funder, classOne, '10000', 'fund-2')).status, 201);
        assert.equal((await transfer(h, classOne, receiver, '5000', 'class-2-all')).status, 201);
        const overYear = await transfer(h, classOne, receiver, '1', 'class-2-over');
        assert.equal(overYear.body.error.details.limit, 'class_2_year');
        assert.equal(overYear.body.error.details.period, 'y2026');
        h.clock.advanceMs(Date.UTC(2026, 11, 31, 16) - h.clock.nowMs()); // 2027-01-01 00:00 in Shanghai
        // Seven months on, the 30-day session has run out: log in again.
        assert.equal((await h.call('GET', '/v1/me', { token: classOne.token })).status, 401);
        const again = await h.call('POST', '/v1/sessions', {
          body: { provider: 'tinypay', phone: classOne.phone, password: classOne.password },
        });
        classOne.token = again.body.session.token;
        assert.equal((await transfer(h, classOne, receiver, '1', 'new-year')).status, 201);
        const limits = await h.call('GET', '/v1/me/limits', { token: classOne.token });
        assert.deepEqual([limits.body.allowance.period, limits.body.allowance.left], ['y2027', '4999']);
      }),
    );

    test(
      'an allowance granted whole is not read again for a debit, yet a raised limit is granted its difference',
      withHarness(async (h) => {
        const { classOne, receiver } = await classOneWithBalance(h);
        assert.equal((await transfer(h, classOne, receiver, '400', 'first')).status, 201);
        const user = (await h.modules.identity.getUser(classOne.userId))!;
        const policy = (await h.modules.network.getProvider('tinypay'))!.policy;
        const counter = await h.modules.limits.tierAllowance(user, policy);
        assert.deepEqual([counter.grant, counter.leftFen], [null, 600n]);

        const known = await h.modules.limits.tierAllowanceUse(user, policy);
        assert.deepEqual([known.accountId, known.grant], [counter.accountId, null]);
        assert.equal((await known.read()).leftFen, 600n, 'a refusal still reads the counter as it stands');

        const raised = { ...policy, tiers: { ...policy.tiers, 1: { limitFen: 2_500n, period: 'lifetime' as const } } };
        const afterRaise = await h.modules.limits.tierAllowanceUse(user, raised);
        assert.equal(afterRaise.accountId, counter.accountId);
        assert.equal(afterRaise.grant?.amount, 1_500n, 'the memory of a whole grant never hides a raise');
        assert.equal((await afterRaise.read()).leftFen, 2_100n);
        const lowered = { ...policy, tiers: { ...policy.tiers, 1: { limitFen: 500n, period: 'lifetime' as const } } };
        assert.equal((await h.modules.limits.tierAllowanceUse(user, lowered)).grant, null);
      }),
    );

    test(
      'two transfers racing for the last of an allowance: exactly one passes',
      withHarness(async (h) => {
        await addTinyPay(h);
        const funder = await h.funded(100_000n, 'tinypay');
        const payer = await h.signUp('tinypay');
        const payee = await h.signUp('tinypay');
        assert.equal((await transfer(h, funder, payer, '2000', 'fund')).status, 201);
        const raced = await Promise.all([
          transfer(h, payer, payee, '600', 'race-a'),
          transfer(h, payer, payee, '600', 'race-b'),
        ]);
        assert.deepEqual(raced.map((r) => r.status).sort(), [201, 422]);
        assert.equal(raced.find((r) => r.status === 422)!.body.error.code, 'tier_limit_exceeded');
        assert.equal(await h.balanceOf(payee), 600n);
        assert.equal(await h.balanceOf(payer), 1_400n);
      }),
    );

    test(
      'a withdrawal that crosses the free quota pays the minimum fee on the part above it; the quote says so first',
      withHarness(async (h) => {
        await addTinyPay(h);
        const person = await h.funded(500_000n, 'tinypay');
        const quote = async (amount: string) =>
          (await h.call('GET', `/v1/wallet/withdrawals/quote?amount=${amount}`, { token: person.token })).body;
        const withdraw = (amount: string, key: string, expectedFee?: string) =>
          h.call('POST', '/v1/wallet/withdrawals', {
            token: person.token,
            key,
            body: {
              card_id: person.cardId,
              amount,
              pin: person.pin,
              ...(expectedFee ? { expected_fee: expectedFee } : {}),
            },
          });
        assert.deepEqual([(await quote('1500')).fee, (await quote('1500')).free_quota_left], ['0', '2000']);
        assert.equal((await withdraw('1500', 'w-1', '0')).status, 201);
        const crossing = await quote('1000');
        assert.deepEqual(
          [crossing.free_part, crossing.chargeable_part, crossing.fee, crossing.total],
          ['500', '500', '10', '1010'],
        );
        const stale = await withdraw('1000', 'w-2', '0');
        assert.deepEqual(
          [stale.status, stale.body.error.code, stale.body.error.details.fee],
          [409, 'fee_changed', '10'],
        );
        const crossed = await withdraw('1000', 'w-3', '10');
        assert.equal(crossed.status, 201, JSON.stringify(crossed.body));
        assert.equal(crossed.body.fee, '10');
        assert.equal(await h.balanceOf(person), 500_000n - 1_500n - 1_010n);
        const beyond = await quote('100000');
        assert.deepEqual([beyond.fee, beyond.free_quota_left], ['100', '0']);
        const statement = await h.call('GET', '/v1/wallet/statement?kind=withdrawal_fee', { token: person.token });
        assert.deepEqual(
          statement.body.lines.map((line: { amount: string }) => line.amount),
          ['10'],
        );
        const tooMuch = await withdraw('497491', 'w-4');
        assert.deepEqual([tooMuch.status, tooMuch.body.error.code], [422, 'insufficient_balance']);
      }),
    );

    test(
      'idempotency and bad input: replays, conflicts, missing keys, malformed amounts, strangers and refusals',
      withHarness(async (h) => {
        const alice = await h.funded(10_000n);
        const bob = await h.funded(0n);
        const first = await transfer(h, alice, bob, '100', 'same-key');
        const replay = await transfer(h, alice, bob, '100', 'same-key');
        assert.deepEqual([replay.status, replay.body.id], [201, first.body.id]);
        assert.equal(await h.balanceOf(bob), 100n);
        const conflict = await transfer(h, alice, bob, '200', 'same-key');
        assert.deepEqual([conflict.status, conflict.body.error.code], [409, 'idempotency_conflict']);
        const noKey = await h.call('POST', '/v1/wallet/transfers', {
          token: alice.token,
          body: { to_phone: bob.phone, amount: '1', pin: alice.pin },
        });
        assert.deepEqual([noKey.status, noKey.body.error.code], [400, 'idempotency_key_required']);
        for (const amount of ['12.5', '0', '-1', 'abc', '01', 1250]) {
          const bad = await h.call('POST', '/v1/wallet/transfers', {
            token: alice.token,
            key: `bad-${String(amount)}`,
            body: { to_phone: bob.phone, amount, pin: alice.pin },
          });
          assert.deepEqual([bad.status, bad.body.error.field], [400, 'body.amount'], `amount ${String(amount)}`);
        }
        const both = await h.call('POST', '/v1/wallet/transfers', {
          token: alice.token,
          key: 'both',
          body: { to_phone: bob.phone, to_user_id: bob.userId, amount: '1', pin: alice.pin },
        });
        assert.equal(both.status, 400);
        const extra = await h.call('POST', '/v1/wallet/transfers', {
          token: alice.token,
          key: 'extra',
          body: { to_phone: bob.phone, amount: '1', pin: alice.pin, memo: 'typo' },
        });
        assert.deepEqual([extra.status, extra.body.error.field], [400, 'body.memo']);
        const stranger = await h.call('POST', '/v1/wallet/transfers', {
          key: 'k',
          body: { to_phone: bob.phone, amount: '1', pin: '123456' },
        });
        assert.equal(stranger.status, 401);
        const self = await transfer(h, alice, alice, '1', 'self');
        assert.deepEqual([self.status, self.body.error.code], [422, 'invalid_payee']);
        const nobody = await h.call('POST', '/v1/wallet/transfers', {
          token: alice.token,
          key: 'nobody',
          body: { to_phone: '13000000001', amount: '1', pin: alice.pin },
        });
        assert.deepEqual([nobody.status, nobody.body.error.code], [404, 'payee_not_found']);
        const green = await h.signUp('greenpay');
        const cross = await transfer(h, alice, green, '1', 'cross');
        assert.deepEqual([cross.status, cross.body.error.code], [422, 'cross_provider_not_supported']);
        assert.match(cross.body.error.message, /not yet supported between providers|not yet supported/);
        const short = await transfer(h, alice, bob, '1000000', 'short');
        assert.deepEqual([short.status, short.body.error.code], [422, 'insufficient_balance']);
        assert.equal(short.body.error.details.available, '9900');
        const declined = await h.topUp(alice, 1_000_000_000n);
        assert.deepEqual([declined.status, declined.body.error.code], [422, 'card_declined']);
        const payee = await h.call('GET', `/v1/payees?phone=${bob.phone}`, { token: alice.token });
        assert.equal(payee.body.user_id, bob.userId);
        await h.modules.identity.setStatus(alice.userId, 'frozen');
        const frozen = await transfer(h, alice, bob, '1', 'frozen');
        assert.deepEqual([frozen.status, frozen.body.error.code], [403, 'account_frozen']);
        await h.modules.identity.setStatus(alice.userId, 'active');
        const operation = await h.call('GET', `/v1/wallet/operations/${first.body.id}`, { token: alice.token });
        assert.equal(operation.body.status, 'succeeded');
        assert.equal((await h.call('GET', `/v1/wallet/operations/${first.body.id}`, { token: bob.token })).status, 404);
        assert.equal(await h.balanceOf(alice), 9_900n);
      }),
    );
  });
}
