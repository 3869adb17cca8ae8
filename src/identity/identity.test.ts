// Identity over HTTP on every store: sign-up and log-in, sessions by bearer token and cookie,
// devices, the payment PIN and its lockout, real-name verification with sealed ID numbers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { demoIdNumber } from '../network/demo.js';
import { SESSION_TTL_MS } from './service.js';
import { testStores } from '../testing/stores.js';
import { withWalletHarness, type WalletHarness } from '../testing/wallet-app.js';

for (const storeKind of testStores) {
  describe(`identity on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>) => withWalletHarness(storeKind, run);

    test(
      'sign-up, log-in by bearer token and cookie, log-out, and the refusals around them',
      withHarness(async (h) => {
        const body = { provider: 'bluepay', phone: '13912345678', password: 'a long password' };
        const signed = await h.call('POST', '/v1/users', { body });
        assert.equal(signed.status, 201);
        assert.equal(signed.body.user.tier, 1);
        assert.equal(signed.body.user.phone, '139****5678');
        assert.equal((await h.call('POST', '/v1/users', { body })).status, 409);
        const weak = await h.call('POST', '/v1/users', { body: { ...body, phone: '13912345679', password: 'short' } });
        assert.deepEqual([weak.status, weak.body.error.field], [400, 'body.password']);
        const badPhone = await h.call('POST', '/v1/users', { body: { ...body, phone: '12345' } });
        assert.deepEqual([badPhone.status, badPhone.body.error.field], [400, 'body.phone']);
        const unknown = await h.call('POST', '/v1/users', { body: { ...body, provider: 'nopay' } });
        assert.deepEqual([unknown.status, unknown.body.error.code], [422, 'unknown_provider']);

        const wrong = await h.call('POST', '/v1/sessions', { body: { phone: body.phone, password: 'not it at all' } });
        assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'invalid_credentials']);
        const stranger = await h.call('POST', '/v1/sessions', {
          body: { phone: '13900000000', password: 'whatever1' },
        });
        assert.deepEqual([stranger.status, stranger.body.error.code], [401, 'invalid_credentials']);
        // The same phone at the other provider: a log-in must then say which one.
        assert.equal((await h.call('POST', '/v1/users', { body: { ...body, provider: 'greenpay' } })).status, 201);
        const ambiguous = await h.call('POST', '/v1/sessions', {
          body: { phone: body.phone, password: body.password },
        });
        assert.deepEqual([ambiguous.status, ambiguous.body.error.code], [400, 'provider_required']);

        const response = await h.app.inject({
          method: 'POST',
          url: '/v1/sessions',
          payload: { provider: 'bluepay', phone: body.phone, password: body.password, device_name: 'phone' },
        });
        assert.equal(response.statusCode, 201);
        const cookie = response.cookies.find((c) => c.name === 'saoma_session')!;
        assert.equal(cookie.httpOnly, true);
        assert.equal(cookie.sameSite, 'Strict');
        const byCookie = await h.call('GET', '/v1/me', { headers: { cookie: `saoma_session=${cookie.value}` } });
        assert.deepEqual([byCookie.status, byCookie.body.provider], [200, 'bluepay']);
        const token = response.json().session.token as string;
        assert.equal((await h.call('GET', '/v1/me', { token })).status, 200);
        assert.equal((await h.call('DELETE', '/v1/sessions/current', { token })).status, 204);
        const after = await h.call('GET', '/v1/me', { token });
        assert.deepEqual([after.status, after.body.error.code], [401, 'unauthorized']);
        assert.equal((await h.call('GET', '/v1/me')).status, 401);
        assert.equal((await h.call('GET', '/v1/me', { token: 'x'.repeat(40) })).status, 401);
      }),
    );

    test(
      'devices: each log-in is a device; removing one signs it out, and only it',
      withHarness(async (h) => {
        const person = await h.signUp();
        const second = await h.call('POST', '/v1/sessions', {
          body: { provider: 'bluepay', phone: person.phone, password: person.password, device_name: 'tablet' },
        });
        const secondToken = second.body.session.token as string;
        const devices = await h.call('GET', '/v1/me/devices', { token: person.token });
        assert.equal(devices.body.devices.length, 2);
        const tablet = devices.body.devices.find((d: { name: string }) => d.name === 'tablet');
        assert.equal(tablet.current, false);
        assert.equal((await h.call('DELETE', `/v1/me/devices/${tablet.id}`, { token: person.token })).status, 204);
        assert.equal((await h.call('GET', '/v1/me', { token: secondToken })).status, 401);
        assert.equal((await h.call('GET', '/v1/me', { token: person.token })).status, 200);
        assert.equal((await h.call('DELETE', '/v1/me/devices/dev_nope', { token: person.token })).status, 404);
      }),
    );

    test(
      'a signed-in session seen before still sees every change at once: real name, class III, freeze, expiry',
      withHarness(async (h) => {
        const me = (token: string) => h.call('GET', '/v1/me', { token });
        const person = await h.signUp();
        // Asked twice, so that on SQLite the second answer comes from memory (signed-in-cache.ts).
        assert.equal((await me(person.token)).body.tier, 1);
        assert.equal((await me(person.token)).body.tier, 1);
        await h.verify(person);
        assert.equal((await me(person.token)).body.tier, 2);
        await h.linkDebitCard(person);
        assert.equal((await me(person.token)).body.tier, 3);
        await h.modules.identity.setStatus(person.userId, 'frozen');
        assert.equal((await me(person.token)).body.status, 'frozen');
        await h.modules.identity.setStatus(person.userId, 'active');
        assert.equal((await me(person.token)).body.status, 'active');
        h.clock.advanceMs(SESSION_TTL_MS);
        assert.deepEqual((await me(person.token)).status, 401);
      }),
    );

    test(
      'the PIN: five wrong tries lock it, even the right PIN is refused while locked, and the lock runs out',
      withHarness(async (h) => {
        const person = await h.funded(10_000n);
        const other = await h.funded(0n);
        const pay = (pin: string, key: string) =>
          h.call('POST', '/v1/wallet/transfers', {
            token: person.token,
            key,
            body: { to_phone: other.phone, amount: '100', pin },
          });
        for (let attempt = 1; attempt <= 4; attempt += 1) {
          const refused = await pay('000000', `wrong-${attempt}`);
          assert.deepEqual([refused.status, refused.body.error.code], [422, 'wrong_pin']);
          assert.match(refused.body.error.message, new RegExp(`${5 - attempt} tr(y|ies) left`));
        }
        const fifth = await pay('000000', 'wrong-5');
        assert.deepEqual([fifth.status, fifth.body.error.code], [422, 'pin_locked']);
        const right = await pay(person.pin, 'right-while-locked');
        assert.deepEqual([right.status, right.body.error.code], [422, 'pin_locked']);
        assert.equal(await h.balanceOf(person), 10_000n);
        h.clock.advanceMs(3 * 3600 * 1000);
        const unlocked = await pay(person.pin, 'right-after-lock');
        assert.equal(unlocked.status, 201, JSON.stringify(unlocked.body));
        // The count starts again after a success: four wrong tries do not lock.
        for (let attempt = 1; attempt <= 4; attempt += 1) {
          assert.equal((await pay('999999', `again-${attempt}`)).body.error.code, 'wrong_pin');
        }
        assert.equal((await pay(person.pin, 'right-again')).status, 201);
        const noPin = await h.signUp();
        await h
          .call('PUT', '/v1/me/pin', { token: noPin.token, body: { password: 'wrong password!', pin: '111111' } })
          .then((r) => assert.deepEqual([r.status, r.body.error.code], [401, 'invalid_credentials']));
        const badPin = await h.call('PUT', '/v1/me/pin', {
          token: noPin.token,
          body: { password: noPin.password, pin: '12345' },
        });
        assert.deepEqual([badPin.status, badPin.body.error.field], [400, 'body.pin']);
      }),
    );

    test(
      'real name: the ID number is checked (check digit included), stored sealed and shown masked',
      withHarness(async (h) => {
        const person = await h.signUp();
        const idNumber = demoIdNumber('1988-08-08', 123);
        const badCheck = idNumber.slice(0, 17) + (idNumber.endsWith('0') ? '1' : '0');
        const refused = await h.call('POST', '/v1/me/real-name', {
          token: person.token,
          body: { name: '王小明', id_number: badCheck },
        });
        assert.deepEqual([refused.status, refused.body.error.code], [422, 'invalid_id_number']);
        assert.match(refused.body.error.message, /check/);
        const verified = await h.call('POST', '/v1/me/real-name', {
          token: person.token,
          body: { name: '王小明', id_number: idNumber },
        });
        assert.equal(verified.status, 200);
        assert.equal(verified.body.tier, 2);
        assert.equal(verified.body.id_number, `${idNumber[0]}${'*'.repeat(16)}${idNumber[17]}`);
        const again = await h.call('POST', '/v1/me/real-name', {
          token: person.token,
          body: { name: '王小明', id_number: idNumber },
        });
        assert.deepEqual([again.status, again.body.error.code], [409, 'real_name_already_verified']);
        const row = await h.modules.store.db
          .selectFrom('users')
          .selectAll()
          .where('id', '=', person.userId)
          .executeTakeFirstOrThrow();
        assert.ok(row.id_number_sealed?.startsWith('v1.'));
        assert.ok(!JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(idNumber));
        const limits = await h.call('GET', '/v1/me/limits', { token: person.token });
        assert.equal(limits.body.allowance.limit, '10000000');
        assert.match(limits.body.how_to_raise, /bank card/);
      }),
    );
  });
}
