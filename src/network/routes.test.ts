// GET /v1/providers: the wallet providers a newcomer can sign up with, without logging in.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testStores } from '../testing/stores.js';
import { withWalletHarness } from '../testing/wallet-app.js';

const sqliteFile = testStores.find((kind) => kind.name === 'sqlite')!;

describe('the public list of providers', () => {
  test(
    'names every provider with its password-free limit, without a session',
    withWalletHarness(sqliteFile, async (h) => {
      const answer = await h.call('GET', '/v1/providers');
      assert.equal(answer.status, 200);
      const providers = await h.modules.network.listProviders();
      assert.ok(providers.length >= 2, 'the harness seeds the demo network');
      assert.deepEqual(
        answer.body.providers,
        providers.map((provider) => ({
          id: provider.id,
          name: provider.name,
          name_zh: provider.nameZh,
          password_free_limit: provider.policy.payments.passwordFreeLimitFen.toString(),
        })),
      );
    }),
  );
});
