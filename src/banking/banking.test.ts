// Cards over HTTP on every store: linking checks the number, the bank's record and the holder;
// a card in the verified person's name raises them to class III; credit cards never fund a balance.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { luhnCheckDigit } from './luhn.js';
import { testStores } from '../testing/stores.js';
import { withWalletHarness, type WalletHarness } from '../testing/wallet-app.js';

for (const storeKind of testStores) {
  describe(`cards on ${storeKind.name}`, { skip: storeKind.skip }, () => {
    const withHarness = (run: (harness: WalletHarness) => Promise<void>) => withWalletHarness(storeKind, run);

    test(
      'link, list masked, unlink; every refusal says why',
      withHarness(async (h) => {
        const person = await h.signUp();
        const opened = await h.modules.banking.openAccount({
          bankId: 'north-bank',
          kind: 'debit',
          holderName: person.name,
          holderIdNumber: person.idNumber,
          phone: person.phone,
          amountFen: 500_000n,
        });
        assert.ok(opened.ok);
        const number = opened.value.number;
        const link = (body: Record<string, string>) => h.call('POST', '/v1/me/cards', { token: person.token, body });
        const early = await link({ number, name: person.name, phone: person.phone });
        assert.deepEqual([early.status, early.body.error.code], [422, 'real_name_required']);
        await h.verify(person);
        const luhn = await link({
          number: number.slice(0, -1) + ((Number(number.at(-1)) + 1) % 10),
          name: person.name,
          phone: person.phone,
        });
        assert.deepEqual([luhn.status, luhn.body.error.code], [422, 'invalid_card_number']);
        const foreign = '4111111111111111';
        const unknownBank = await link({ number: foreign, name: person.name, phone: person.phone });
        assert.deepEqual([unknownBank.status, unknownBank.body.error.code], [422, 'unknown_bank']);
        const partial = '622800' + '0'.repeat(12);
        const noSuchCard = await link({
          number: partial + luhnCheckDigit(partial),
          name: person.name,
          phone: person.phone,
        });
        assert.deepEqual([noSuchCard.status, noSuchCard.body.error.code], [422, 'card_not_found']);
        const wrongPhone = await link({ number, name: person.name, phone: '13000000000' });
        assert.deepEqual([wrongPhone.status, wrongPhone.body.error.code], [422, 'card_details_mismatch']);
        const wrongName = await link({ number, name: '别人', phone: person.phone });
        assert.deepEqual([wrongName.status, wrongName.body.error.code], [422, 'card_details_mismatch']);

        const linked = await link({
          number: number.replace(/(.{4})/g, '$1 ').trim(),
          name: person.name,
          phone: person.phone,
        });
        assert.equal(linked.status, 201, JSON.stringify(linked.body));
        assert.equal(linked.body.card.number, `**** ${number.slice(-4)}`);
        assert.equal(linked.body.card.bank_name, 'North Star Bank');
        assert.equal(linked.body.raised_to_class_3, true);
        assert.equal(linked.body.tier, 3);
        const again = await link({ number, name: person.name, phone: person.phone });
        assert.equal(again.body.card.id, linked.body.card.id, 'linking the same card again returns the link');
        const list = await h.call('GET', '/v1/me/cards', { token: person.token });
        assert.equal(list.body.cards.length, 1);
        assert.ok(!JSON.stringify(list.body).includes(number));
        const cardId = linked.body.card.id as string;
        assert.equal((await h.call('DELETE', `/v1/me/cards/${cardId}`, { token: person.token })).status, 204);
        assert.equal((await h.call('DELETE', `/v1/me/cards/${cardId}`, { token: person.token })).status, 404);
        assert.equal((await h.call('GET', '/v1/me/cards', { token: person.token })).body.cards.length, 0);
        const topUp = await h.call('POST', '/v1/wallet/top-ups', {
          token: person.token,
          key: 'after-unlink',
          body: { card_id: cardId, amount: '100', pin: person.pin },
        });
        assert.deepEqual([topUp.status, topUp.body.error.code], [404, 'card_not_linked']);
      }),
    );

    test(
      'a card whose record carries no ID number links but leaves the user at class II; a credit card cannot top up',
      withHarness(async (h) => {
        const person = await h.signUp();
        await h.verify(person);
        const credit = await h.modules.banking.openAccount({
          bankId: 'east-bank',
          kind: 'credit',
          holderName: person.name,
          phone: person.phone,
          amountFen: 2_000_000n,
        });
        assert.ok(credit.ok);
        assert.ok(credit.value.number.startsWith('625900'));
        const linked = await h.call('POST', '/v1/me/cards', {
          token: person.token,
          body: { number: credit.value.number, name: person.name, phone: person.phone },
        });
        assert.equal(linked.status, 201);
        assert.deepEqual([linked.body.tier, linked.body.raised_to_class_3], [2, false]);
        const topUp = await h.call('POST', '/v1/wallet/top-ups', {
          token: person.token,
          key: 'credit-top-up',
          body: { card_id: linked.body.card.id, amount: '100', pin: person.pin },
        });
        assert.deepEqual([topUp.status, topUp.body.error.code], [422, 'credit_card_not_allowed']);
      }),
    );
  });
}
