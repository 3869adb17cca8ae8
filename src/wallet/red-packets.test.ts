// Red packets over HTTP on every store: one-to-one and group packets, the ¥200 edges, one claim per
// person, races for the last share, expiry and refund, replays, crashes cut short; audits after each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AccountKeys } from '../network/chart.js';
import { defaultProviderPolicy } from '../network/policy.js';
import { maskName, maskPhone } from '../shared/mask.js';
import { testStores } from '../testing/stores.js';
import { withWalletHarness, type Person, type WalletHarness } from '../testing/wallet-app.js';
import { capShares } from './red-packets.js';
import { createSeededRandom } from './red-packet-split.js';

const DAY_MS = 24 * 3600 * 1000;

interface ShareJson {
  index: number;
  amount: string;
  claimed_by: { user_id: string; name: string };
  claimed_at: string;
  luckiest: boolean;
}

let keyCounter = 0;
const newKey = (label: string) => `${label}-${(keyCounter += 1)}`;

function send(h: WalletHarness, person: Person, body: Record<string, unknown>, key = newKey('rp')) {
  return h.call('POST', '/v1/red-packets', { token: person.token, key, body: { pin: person.pin, ...body } });
}

function claim(h: WalletHarness, person: Person, packetId: string) {
  return h.call('POST', `/v1/red-packets/${packetId}/claims`, { token: person.token, key: newKey('claim') });
}

async function escrowFen(h: WalletHarness, provider = 'bluepay'): Promise<bigint> {
  const account = await h.modules.ledger.getAccountByKey(AccountKeys.redPacketEscrow(provider));
  return account ? account.creditsPosted - account.debitsPosted : 0n;
}

async function statementLines(h: WalletHarness, person: Person) {
  const statement = await h.call('GET', '/v1/wallet/statement', { token: person.token });
  assert.equal(statement.status, 200, JSON.stringify(statement.body));
  return statement.body.lines as { kind: string; direction: string; amount: string; cause: unknown }[];
}

const sumFen = (amounts: readonly string[]) => amounts.reduce((sum, amount) => sum + BigInt(amount), 0n);

for (const storeKind of testStores) {
  describe(`red packets on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>, options: { seed?: string } = {}) =>
      withWalletHarness(storeKind, run, options);

    test(
      'a one-to-one packet: sent into escrow, opened by its recipient, shown to both',
      withHarness(async (h) => {
        const alice = await h.funded(100_000n);
        const bob = await h.signUp();
        const sent = await send(h, alice, {
          kind: 'single',
          amount: '8888',
          count: 1,
          to_phone: bob.phone,
          note: '恭喜发财',
        });
        assert.equal(sent.status, 201, JSON.stringify(sent.body));
        assert.match(sent.body.id, /^rp_[A-Za-z0-9_-]+$/);
        assert.equal(sent.body.status, 'open');
        assert.equal(sent.body.total, '8888');
        assert.equal(sent.body.note, '恭喜发财');
        assert.deepEqual(sent.body.sender, { user_id: alice.userId, name: maskName(alice.name) });
        assert.deepEqual(sent.body.recipient, { user_id: bob.userId, name: maskPhone(bob.phone) });
        assert.deepEqual(sent.body.shares, []);
        assert.equal(Date.parse(sent.body.expires_at) - Date.parse(sent.body.created_at), DAY_MS);
        assert.equal(await h.balanceOf(alice), 91_112n);
        assert.equal(await escrowFen(h), 8_888n);

        const opened = await claim(h, bob, sent.body.id);
        assert.equal(opened.status, 201, JSON.stringify(opened.body));
        assert.equal(opened.body.amount, '8888');
        assert.equal(opened.body.already_claimed, false);
        assert.equal(opened.body.packet.status, 'finished');
        assert.equal(await h.balanceOf(bob), 8_888n);
        assert.equal(await escrowFen(h), 0n);

        const shown = await h.call('GET', `/v1/red-packets/${sent.body.id}`, { token: alice.token });
        assert.equal(shown.status, 200, JSON.stringify(shown.body));
        assert.equal(shown.body.status, 'finished');
        assert.equal(shown.body.claimed, '8888');
        assert.equal(shown.body.refunded, null);
        const [share] = shown.body.shares as ShareJson[];
        assert.deepEqual(share!.claimed_by, { user_id: bob.userId, name: maskPhone(bob.phone) });
        assert.equal(share!.amount, '8888');
        assert.equal(share!.luckiest, false, 'the luckiest is for lucky packets');
        assert.equal((await h.call('GET', `/v1/red-packets/${sent.body.id}`, { token: bob.token })).status, 200);
      }),
    );

    test(
      'at most ¥200 for one person or one share; counts, kinds and recipients are checked',
      withHarness(async (h) => {
        const alice = await h.funded(1_000_000n);
        const bob = await h.signUp();
        const greenUser = await h.signUp('greenpay');
        const refused = async (body: Record<string, unknown>, code = 'invalid_red_packet') => {
          const reply = await send(h, alice, body);
          assert.equal(reply.status, code === 'payee_not_found' ? 404 : 422, JSON.stringify(reply.body));
          assert.equal(reply.body.error.code, code, JSON.stringify(reply.body));
          return reply.body.error.message as string;
        };
        const exact = await send(h, alice, { kind: 'single', amount: '20000', count: 1, to_user_id: bob.userId });
        assert.equal(exact.status, 201, JSON.stringify(exact.body));
        assert.match(
          await refused({ kind: 'single', amount: '20001', count: 1, to_user_id: bob.userId }),
          /at most ¥200\.00/,
        );
        await refused({ kind: 'single', amount: '100', count: 2, to_user_id: bob.userId });
        await refused({ kind: 'single', amount: '100', count: 1 });
        await refused({ kind: 'lucky', amount: '100', count: 2, to_user_id: bob.userId });
        await refused({ kind: 'lucky', amount: '40001', count: 2 });
        await refused({ kind: 'lucky', amount: '4', count: 5 });
        await refused({ kind: 'lucky', amount: '1000', count: 101 });
        await refused({ kind: 'equal', amount: '40002', count: 2 });
        assert.match(await refused({ kind: 'equal', amount: '100', count: 3 }), /equal shares/);
        assert.match(
          await refused({ kind: 'single', amount: '100', count: 1, to_user_id: alice.userId }, 'invalid_payee'),
          /yourself/,
        );
        await refused(
          { kind: 'single', amount: '100', count: 1, to_phone: greenUser.phone },
          'cross_provider_not_supported',
        );
        await refused({ kind: 'single', amount: '100', count: 1, to_phone: '13900000000' }, 'payee_not_found');
        const both = await send(h, alice, {
          kind: 'single',
          amount: '100',
          count: 1,
          to_phone: bob.phone,
          to_user_id: bob.userId,
        });
        assert.equal(both.status, 400);
        assert.equal(await h.balanceOf(alice), 980_000n, 'only the ¥200 packet moved money');

        // At exactly ¥200 × count the only split that fits is ¥200 each.
        const full = await send(h, alice, { kind: 'lucky', amount: '60000', count: 3 });
        assert.equal(full.status, 201, JSON.stringify(full.body));
        const claimers = [bob, await h.signUp(), await h.signUp()];
        for (const person of claimers) assert.equal((await claim(h, person, full.body.id)).body.amount, '20000');
      }),
    );

    test('a lucky packet for six: exact sum, each ≥ 1 fen, the luckiest at the end; the same seed, the same shares', async () => {
      const runLucky = async (seed: string) => {
        let amounts: string[] = [];
        await withHarness(
          async (h) => {
            const alice = await h.funded(100_000n);
            const sent = await send(h, alice, { kind: 'lucky', amount: '10000', count: 6, note: '大吉大利' });
            assert.equal(sent.status, 201, JSON.stringify(sent.body));
            const people = [alice, ...(await Promise.all([1, 2, 3, 4, 5].map(() => h.signUp())))];
            for (const [index, person] of people.entries()) {
              const opened = await claim(h, person, sent.body.id);
              assert.equal(opened.status, 201, JSON.stringify(opened.body));
              assert.ok(BigInt(opened.body.amount) >= 1n);
              const luckiest = (opened.body.packet.shares as ShareJson[]).filter((share) => share.luckiest);
              assert.equal(luckiest.length, index === 5 ? 1 : 0, 'marked only once the packet is finished');
            }
            const late = await claim(h, await h.signUp(), sent.body.id);
            assert.equal(late.status, 422);
            assert.equal(late.body.error.code, 'red_packet_empty');
            const shown = await h.call('GET', `/v1/red-packets/${sent.body.id}`, { token: people[3]!.token });
            const shares = shown.body.shares as ShareJson[];
            amounts = [...shares].sort((a, b) => a.index - b.index).map((share) => share.amount);
            assert.equal(sumFen(amounts), 10_000n);
            const largest = shares.reduce((best, share) => (BigInt(share.amount) > BigInt(best.amount) ? share : best));
            assert.deepEqual(
              shares.filter((share) => share.luckiest),
              [largest],
            );
            assert.equal(shown.body.status, 'finished');
            assert.equal(await escrowFen(h), 0n);
            const received = await Promise.all(people.map((person) => h.balanceOf(person)));
            assert.equal(
              received.reduce((sum, fen) => sum + fen, 0n),
              100_000n,
              "alice's 90,000 left and 10,000 shared",
            );
          },
          { seed },
        )();
        return amounts;
      };
      const first = await runLucky('lucky-seed');
      assert.deepEqual(await runLucky('lucky-seed'), first);
      assert.notDeepEqual(await runLucky('another-seed'), first);
    });

    test(
      'an equal packet: every share the same; none left for a fifth',
      withHarness(async (h) => {
        const alice = await h.funded(10_000n);
        const sent = await send(h, alice, { kind: 'equal', amount: '2000', count: 4 });
        assert.equal(sent.status, 201, JSON.stringify(sent.body));
        const people = await Promise.all([1, 2, 3, 4, 5].map(() => h.signUp()));
        for (const person of people.slice(0, 4))
          assert.equal((await claim(h, person, sent.body.id)).body.amount, '500');
        const fifth = await claim(h, people[4]!, sent.body.id);
        assert.equal(fifth.body.error.code, 'red_packet_empty');
        const shown = await h.call('GET', `/v1/red-packets/${sent.body.id}`, { token: alice.token });
        assert.equal(shown.body.claimed_count, 4);
        assert.ok((shown.body.shares as ShareJson[]).every((share) => !share.luckiest));
      }),
    );

    test(
      'one claim per person: a second claim, or two at once, returns the same share and pays once',
      withHarness(async (h) => {
        const alice = await h.funded(10_000n);
        const bob = await h.signUp();
        const sent = await send(h, alice, { kind: 'lucky', amount: '3000', count: 3 });
        const first = await claim(h, bob, sent.body.id);
        assert.equal(first.status, 201);
        const again = await claim(h, bob, sent.body.id);
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(again.body.already_claimed, true);
        assert.equal(again.body.amount, first.body.amount);
        assert.equal(await h.balanceOf(bob), BigInt(first.body.amount));

        const carol = await h.signUp();
        const both = await Promise.all([claim(h, carol, sent.body.id), claim(h, carol, sent.body.id)]);
        assert.deepEqual(both.map((reply) => reply.status).sort(), [200, 201]);
        assert.equal(both[0]!.body.amount, both[1]!.body.amount);
        assert.equal(await h.balanceOf(carol), BigInt(both[0]!.body.amount));
        assert.equal(await escrowFen(h), 3_000n - BigInt(first.body.amount) - BigInt(both[0]!.body.amount));
      }),
    );

    test(
      'who may open and see: the recipient of a one-to-one packet; users of the same provider for a group one',
      withHarness(async (h) => {
        const alice = await h.funded(10_000n);
        const bob = await h.signUp();
        const carol = await h.signUp();
        const green = await h.signUp('greenpay');
        const single = await send(h, alice, { kind: 'single', amount: '500', count: 1, to_user_id: bob.userId });
        for (const person of [carol, alice]) {
          const refused = await claim(h, person, single.body.id);
          assert.equal(refused.status, 403, JSON.stringify(refused.body));
          assert.equal(refused.body.error.code, 'red_packet_not_for_you');
        }
        assert.equal((await h.call('GET', `/v1/red-packets/${single.body.id}`, { token: carol.token })).status, 403);
        const group = await send(h, alice, { kind: 'lucky', amount: '500', count: 2 });
        assert.equal((await claim(h, green, group.body.id)).body.error.code, 'red_packet_not_for_you');
        assert.equal((await h.call('GET', `/v1/red-packets/${group.body.id}`, { token: carol.token })).status, 200);
        assert.equal(
          (await claim(h, alice, group.body.id)).status,
          201,
          'the sender may grab a share of a group packet',
        );
        const unknown = await claim(h, bob, 'rp_nothing');
        assert.equal(unknown.status, 404);
        assert.equal(unknown.body.error.code, 'red_packet_not_found');
        assert.equal(await h.balanceOf(green), 0n);
      }),
    );

    test(
      'several people race for the last share: exactly one gets it; balances and escrow add up',
      withHarness(async (h) => {
        const alice = await h.funded(10_000n);
        const sent = await send(h, alice, { kind: 'lucky', amount: '3000', count: 3 });
        const early = [await h.signUp(), await h.signUp()];
        for (const person of early) assert.equal((await claim(h, person, sent.body.id)).status, 201);
        const racers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => h.signUp()));
        const replies = await Promise.all(racers.map((person) => claim(h, person, sent.body.id)));
        assert.deepEqual(
          replies.map((reply) => reply.status).sort(),
          [201, 422, 422, 422, 422, 422],
          JSON.stringify(replies.map((reply) => reply.body)),
        );
        for (const reply of replies.filter((reply) => reply.status === 422)) {
          assert.equal(reply.body.error.code, 'red_packet_empty');
        }
        const balances = await Promise.all([...early, ...racers].map((person) => h.balanceOf(person)));
        assert.equal(
          balances.reduce((sum, fen) => sum + fen, 0n),
          3_000n,
        );
        assert.equal(await escrowFen(h), 0n);
        const shown = await h.call('GET', `/v1/red-packets/${sent.body.id}`, { token: alice.token });
        assert.equal(shown.body.status, 'finished');
        assert.equal(shown.body.claimed_count, 3);
      }),
    );

    test(
      'expiry: the sweep refunds the unclaimed rest to the sender; later claims are refused; statements tell it all',
      withHarness(async (h) => {
        const alice = await h.funded(10_000n);
        const bob = await h.signUp();
        const carol = await h.signUp();
        const sent = await send(h, alice, { kind: 'lucky', amount: '4000', count: 4 });
        const id = sent.body.id as string;
        const bobShare = BigInt((await claim(h, bob, id)).body.amount);
        h.clock.advanceMs(DAY_MS - 1);
        assert.equal(await h.modules.redPackets.sweep(), 0, 'not yet due');
        const carolShare = BigInt((await claim(h, carol, id)).body.amount);
        h.clock.advanceMs(1);
        const dave = await h.signUp();
        const tooLate = await claim(h, dave, id);
        assert.equal(tooLate.status, 422);
        assert.equal(tooLate.body.error.code, 'red_packet_expired');
        const before = await h.call('GET', `/v1/red-packets/${id}`, { token: alice.token });
        assert.equal(before.body.status, 'expired', 'expired at its time, even before the sweep');

        assert.equal(await h.modules.redPackets.sweep(), 1);
        assert.equal(await h.modules.redPackets.sweep(), 0, 'once');
        const restFen = 4_000n - bobShare - carolShare;
        assert.equal(await h.balanceOf(alice), 6_000n + restFen);
        assert.equal(await escrowFen(h), 0n);
        assert.equal((await claim(h, dave, id)).body.error.code, 'red_packet_expired');
        const bobAgain = await claim(h, bob, id);
        assert.equal(bobAgain.status, 200, 'a claimer still sees their share');
        assert.equal(BigInt(bobAgain.body.amount), bobShare);

        const shown = await h.call('GET', `/v1/red-packets/${id}`, { token: bob.token });
        assert.equal(shown.body.status, 'expired');
        assert.equal(shown.body.refunded, restFen.toString());
        assert.equal(shown.body.claimed, (bobShare + carolShare).toString());
        const luckiest = (shown.body.shares as ShareJson[]).filter((share) => share.luckiest);
        assert.equal(luckiest.length, 1);
        assert.equal(BigInt(luckiest[0]!.amount), bobShare >= carolShare ? bobShare : carolShare);

        const cause = { type: 'red_packet', id };
        const aliceLines = await statementLines(h, alice);
        assert.deepEqual(
          aliceLines.slice(0, 2).map(({ kind, direction, amount, cause }) => ({ kind, direction, amount, cause })),
          [
            { kind: 'red_packet_refund', direction: 'in', amount: restFen.toString(), cause },
            { kind: 'red_packet_sent', direction: 'out', amount: '4000', cause },
          ],
        );
        const bobLines = await statementLines(h, bob);
        assert.deepEqual(
          bobLines.map(({ kind, direction, amount, cause }) => ({ kind, direction, amount, cause })),
          [{ kind: 'red_packet_received', direction: 'in', amount: bobShare.toString(), cause }],
        );
      }),
    );

    test(
      'the same Idempotency-Key: the same packet and money moved once; with another body a 409',
      withHarness(async (h) => {
        const alice = await h.funded(10_000n);
        const body = { kind: 'equal', amount: '1000', count: 2, note: 'lunch' };
        const first = await send(h, alice, body, 'packet-1');
        const again = await send(h, alice, body, 'packet-1');
        assert.equal(first.status, 201);
        assert.equal(again.status, 201);
        assert.equal(again.body.id, first.body.id);
        const raced = await Promise.all([1, 2, 3].map(() => send(h, alice, body, 'packet-2')));
        assert.deepEqual(
          raced.map((reply) => reply.status),
          [201, 201, 201],
        );
        assert.equal(new Set(raced.map((reply) => reply.body.id)).size, 1);
        assert.equal(await h.balanceOf(alice), 8_000n);
        assert.equal(await escrowFen(h), 2_000n);
        const conflict = await send(h, alice, { ...body, amount: '2000' }, 'packet-1');
        assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
        assert.equal(conflict.body.error.code, 'idempotency_conflict');
      }),
    );

    test(
      'refused by the books: insufficient balance and the tier allowance; a replay gives the same refusal',
      withHarness(async (h) => {
        const alice = await h.funded(1_000n);
        const short = await send(h, alice, { kind: 'lucky', amount: '5000', count: 5 }, 'short-1');
        assert.equal(short.status, 422, JSON.stringify(short.body));
        assert.equal(short.body.error.code, 'insufficient_balance');
        assert.deepEqual(short.body.error.details, { available: '1000', needed: '5000' });
        await h.topUp(alice, 200_000n);
        const replay = await send(h, alice, { kind: 'lucky', amount: '5000', count: 5 }, 'short-1');
        assert.equal(replay.status, 422);
        assert.equal(replay.body.error.code, 'insufficient_balance', 'the first answer stands for its key');
        assert.equal(await h.balanceOf(alice), 201_000n);
        assert.equal(await escrowFen(h), 0n);

        // Class I: ¥1,000 of balance payments for life, red packets included.
        assert.equal(defaultProviderPolicy(20_000).tiers[1].limitFen, 100_000n);
        const newcomer = await h.signUp();
        const paid = await h.call('POST', '/v1/wallet/transfers', {
          token: alice.token,
          key: newKey('transfer'),
          body: { to_phone: newcomer.phone, amount: '150000', pin: alice.pin },
        });
        assert.equal(paid.status, 201, JSON.stringify(paid.body));
        assert.equal((await send(h, newcomer, { kind: 'equal', amount: '5000', count: 5 })).status, 201);
        const limited = await send(h, newcomer, { kind: 'lucky', amount: '95001', count: 10 });
        assert.equal(limited.status, 422, JSON.stringify(limited.body));
        assert.equal(limited.body.error.details.left_fen, '95000');
        assert.equal(await h.balanceOf(newcomer), 145_000n);
        assert.equal((await send(h, newcomer, { kind: 'lucky', amount: '95000', count: 10 })).status, 201);
        assert.equal(limited.body.error.code, 'tier_limit_exceeded');
      }),
    );

    test(
      'the key and the PIN: no Idempotency-Key is 400, a wrong PIN is 422 wrong_pin; nothing moves',
      withHarness(async (h) => {
        const alice = await h.funded(10_000n);
        const bob = await h.signUp();
        const noKey = await h.call('POST', '/v1/red-packets', {
          token: alice.token,
          body: { kind: 'single', amount: '100', count: 1, to_user_id: bob.userId, pin: alice.pin },
        });
        assert.equal(noKey.status, 400);
        assert.equal(noKey.body.error.code, 'idempotency_key_required');
        const wrongPin = await h.call('POST', '/v1/red-packets', {
          token: alice.token,
          key: newKey('rp'),
          body: { kind: 'single', amount: '100', count: 1, to_user_id: bob.userId, pin: '000000' },
        });
        assert.equal(wrongPin.status, 422);
        assert.equal(wrongPin.body.error.code, 'wrong_pin');
        const sent = await send(h, alice, { kind: 'single', amount: '100', count: 1, to_user_id: bob.userId });
        const claimNoKey = await h.call('POST', `/v1/red-packets/${sent.body.id}/claims`, { token: bob.token });
        assert.equal(claimNoKey.status, 400);
        assert.equal(claimNoKey.body.error.code, 'idempotency_key_required');
        assert.equal(await h.balanceOf(alice), 9_900n);
        assert.equal(await h.balanceOf(bob), 0n);
      }),
    );

    test(
      'claims racing the expiry sweep: every share is either claimed or refunded, never both',
      withHarness(async (h) => {
        const alice = await h.funded(100_000n);
        const racers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => h.signUp()));
        // The sweep starts at a different point each round, so that it lands before, among and after
        // the claims' statements: on SQLite a claim runs within microtasks (the driver is
        // synchronous), on PostgreSQL it spans turns of the event loop.
        const schedules = [
          ...[0, 120, 150, 170, 190, 220].map((microtasks) => ({ microtasks, turns: 0 })),
          ...[2, 4, 6, 9, 12, 18].map((turns) => ({ microtasks: 0, turns })),
        ];
        for (const schedule of schedules) {
          const startFen = await h.balanceOf(alice);
          const sent = await send(h, alice, { kind: 'lucky', amount: '6000', count: 6 });
          const claims = Promise.all(racers.map((person) => claim(h, person, sent.body.id)));
          const swept = (async () => {
            for (let step = 0; step < schedule.microtasks; step += 1) await null;
            for (let step = 0; step < schedule.turns; step += 1) await new Promise((resolve) => setImmediate(resolve));
            h.clock.advanceMs(DAY_MS);
            return h.modules.redPackets.sweep();
          })();
          const [replies] = await Promise.all([claims, swept]);
          await h.modules.redPackets.sweep();
          const taken = replies.filter((reply) => reply.status === 201);
          for (const reply of replies.filter((reply) => reply.status !== 201)) {
            assert.ok(
              ['red_packet_expired', 'red_packet_empty'].includes(reply.body.error.code),
              JSON.stringify(reply.body),
            );
          }
          const claimedFen = sumFen(taken.map((reply) => reply.body.amount));
          const shown = await h.call('GET', `/v1/red-packets/${sent.body.id}`, { token: alice.token });
          assert.equal(shown.body.claimed, claimedFen.toString());
          assert.equal(BigInt(shown.body.refunded ?? '0') + claimedFen, 6_000n);
          assert.equal(await h.balanceOf(alice), startFen - claimedFen);
          assert.equal(await escrowFen(h), 0n);
        }
      }),
    );

    test(
      'crashes: an unpaid share is paid by a repeated claim or the sweep; an unpaid packet is finished, then refunded',
      withHarness(async (h) => {
        const db = h.modules.store.db;
        const alice = await h.funded(10_000n);
        const [bob, carol, dave] = [await h.signUp(), await h.signUp(), await h.signUp()];
        const sent = await send(h, alice, { kind: 'lucky', amount: '3000', count: 3 });
        const id = sent.body.id as string;
        const assign = async (person: Person, index: number) => {
          await db
            .updateTable('red_packet_shares')
            .set({ claimed_by: person.userId, claimed_at_ms: BigInt(h.clock.nowMs()) })
            .where('packet_id', '=', id)
            .where('share_index', '=', index)
            .execute();
          const row = await db
            .selectFrom('red_packet_shares')
            .select('amount_fen')
            .where('packet_id', '=', id)
            .where('share_index', '=', index)
            .executeTakeFirstOrThrow();
          return BigInt(row.amount_fen);
        };
        const bobShare = await assign(bob, 0);
        const again = await claim(h, bob, id);
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(await h.balanceOf(bob), bobShare);
        const carolShare = await assign(carol, 1);
        assert.equal(await h.modules.redPackets.sweep(), 0, 'the claim may still be paying it');
        h.clock.advanceMs(10_000);
        assert.equal(await h.modules.redPackets.sweep(), 1);
        assert.equal(await h.balanceOf(carol), carolShare);
        const last = await claim(h, dave, id);
        assert.equal(last.status, 201);
        assert.equal(last.body.packet.status, 'finished');
        assert.equal(await escrowFen(h), 0n);

        // A packet recorded, then the process died before moving any money.
        const createdAtMs = BigInt(h.clock.nowMs());
        await db
          .insertInto('red_packets')
          .values({
            id: 'rp_recorded_only',
            sender_user_id: alice.userId,
            provider_id: 'bluepay',
            kind: 'lucky',
            total_fen: 1_000n,
            share_count: 4,
            recipient_user_id: null,
            note: null,
            idempotency_key: 'lost-request',
            fingerprint: 'not-checked-here',
            status: 'pending',
            created_at_ms: createdAtMs,
            expires_at_ms: createdAtMs + BigInt(DAY_MS),
          })
          .execute();
        const balanceBefore = await h.balanceOf(alice);
        assert.equal((await claim(h, bob, 'rp_recorded_only')).body.error.code, 'red_packet_not_found');
        h.clock.advanceMs(DAY_MS);
        assert.equal(await h.modules.redPackets.sweep(), 1, 'finished as a retry would, then refunded');
        assert.equal(await h.balanceOf(alice), balanceBefore);
        const lines = await statementLines(h, alice);
        assert.deepEqual(
          lines.slice(0, 2).map((line) => line.kind),
          ['red_packet_refund', 'red_packet_sent'],
        );
      }),
    );
  });
}

describe('capShares', () => {
  test('keeps the sum, puts every share between 1 fen and the cap, and leaves a fitting split alone', () => {
    const random = createSeededRandom('cap');
    assert.deepEqual(capShares([30n, 170n, 100n], 200n, random), [30n, 170n, 100n]);
    assert.deepEqual(capShares([300n, 100n], 200n, random), [200n, 200n]);
    for (let round = 0; round < 200; round += 1) {
      const count = 1 + Number(random.nextBelow(8n));
      const capFen = 1n + random.nextBelow(500n);
      const sharesFen = Array.from({ length: count }, () => 1n + random.nextBelow(capFen * 2n));
      const totalFen = sharesFen.reduce((sum, fen) => sum + fen, 0n);
      if (totalFen > capFen * BigInt(count)) continue;
      const capped = capShares(sharesFen, capFen, random);
      assert.equal(
        capped.reduce((sum, fen) => sum + fen, 0n),
        totalFen,
      );
      assert.ok(capped.every((fen) => fen >= 1n && fen <= capFen));
    }
  });
});
