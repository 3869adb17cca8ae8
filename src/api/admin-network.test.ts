// The operator's payer-side routes: open bank accounts for sandbox people, freeze and unfreeze
// a user, and the audit that adds the providers' reserves to the ledger's proof.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testStores } from '../testing/stores.js';
import { createWalletHarness } from '../testing/wallet-app.js';

const ADMIN_TOKEN = 'operator-token-for-tests-0123';

test('operator: bank accounts, freezing a user, and the audit with the network', async () => {
  const database = await testStores[1]!.create();
  const h = await createWalletHarness(database, { adminToken: ADMIN_TOKEN });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  try {
    const person = await h.signUp();
    await h.verify(person);
    const body = {
      bank: 'east-bank',
      kind: 'debit',
      holder_name: person.name,
      holder_id_number: person.idNumber,
      phone: person.phone,
      amount: '100000',
    };
    assert.equal((await h.call('POST', '/v1/admin/bank-accounts', { body })).status, 401);
    const opened = await h.call('POST', '/v1/admin/bank-accounts', { body, headers: admin });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const unknownBank = await h.call('POST', '/v1/admin/bank-accounts', {
      body: { ...body, bank: 'nobank' },
      headers: admin,
    });
    assert.deepEqual([unknownBank.status, unknownBank.body.error.code], [422, 'unknown_bank']);
    const linked = await h.call('POST', '/v1/me/cards', {
      token: person.token,
      body: { number: opened.body.number, name: person.name, phone: person.phone },
    });
    assert.equal(linked.status, 201);
    person.cardId = linked.body.card.id;
    assert.equal((await h.topUp(person, 50_000n)).status, 201);

    const frozen = await h.call('POST', `/v1/admin/users/${person.userId}/status`, {
      body: { status: 'frozen' },
      headers: admin,
    });
    assert.equal(frozen.body.status, 'frozen');
    const refused = await h.topUp(person, 100n);
    assert.deepEqual([refused.status, refused.body.error.code], [403, 'account_frozen']);
    await h.call('POST', `/v1/admin/users/${person.userId}/status`, { body: { status: 'active' }, headers: admin });
    assert.equal((await h.topUp(person, 100n)).status, 201);
    assert.equal(
      (await h.call('POST', '/v1/admin/users/u_nobody/status', { body: { status: 'frozen' }, headers: admin })).status,
      404,
    );

    const audit = await h.call('GET', '/v1/admin/audit', { headers: admin });
    assert.equal(audit.body.ok, true);
    const bluepay = audit.body.network.providers.find((p: { provider: string }) => p.provider === 'bluepay');
    assert.deepEqual([bluepay.reserve, bluepay.client_funds, bluepay.bank_settlement], ['50100', '50100', '50100']);
  } finally {
    await h.close();
    await database.cleanup();
  }
});
