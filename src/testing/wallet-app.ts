// Test support for the payer side: the demo network on a fresh store, the HTTP app with every
// module, a manual clock and a seeded random source, and helpers that act as people over HTTP
// (sign up, verify, link a card, top up). `close()` asserts that the audit passes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../api/server.js';
import { createLedgerService } from '../ledger/service.js';
import { createModules, type Modules } from '../modules.js';
import { demoIdNumber, seedNetwork } from '../network/demo.js';
import { createManualClock, type ManualClock } from '../shared/clock.js';
import { createFieldCipher } from '../shared/field-cipher.js';
import { createSeededRandom } from '../wallet/red-packet-split.js';
import { auditNetwork } from '../network/audit.js';
import type { TestDatabase, TestStoreKind } from './stores.js';

export interface Reply<Body = Record<string, unknown>> {
  status: number;
  body: Body;
}

export interface Person {
  userId: string;
  token: string;
  phone: string;
  password: string;
  pin: string;
  provider: string;
  name: string;
  idNumber: string;
  /** Set by linkDebitCard. */
  cardId?: string;
  cardNumber?: string;
}

export interface WalletHarness {
  app: FastifyInstance;
  modules: Modules;
  clock: ManualClock;
  call<Body = any>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    options?: { token?: string; body?: unknown; key?: string; headers?: Record<string, string> },
  ): Promise<Reply<Body>>;
  /** Signs up with a fresh phone and sets the PIN (class I). */
  signUp(provider?: string, pin?: string): Promise<Person>;
  /** Class II: name and a valid resident ID number. */
  verify(person: Person, name?: string): Promise<void>;
  /** Opens a debit account at the bank in the person's name and links it (class III). */
  linkDebitCard(person: Person, depositFen?: bigint, bankId?: string): Promise<string>;
  topUp(person: Person, amountFen: bigint): Promise<Reply<any>>;
  /** A person at class III with `balanceFen` in the wallet. */
  funded(balanceFen: bigint, provider?: string): Promise<Person>;
  balanceOf(person: Person): Promise<bigint>;
  /** Asserts that the ledger audit and the network audit pass, then closes everything. */
  close(): Promise<void>;
}

let phoneCounter = 0;
let idCounter = 0;

export async function createWalletHarness(
  database: TestDatabase,
  options: { seed?: string; adminToken?: string } = {},
): Promise<WalletHarness> {
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const ledger = createLedgerService({ store: database.store, clock });
  const modules = await createModules({
    store: database.store,
    ledger,
    clock,
    cipher: createFieldCipher(randomBytes(32)),
    random: createSeededRandom(options.seed ?? 'wallet-tests'),
  });
  await seedNetwork(modules);
  const app = buildServer({
    ledger,
    store: database.store,
    config: { adminToken: options.adminToken ?? null },
    logger: process.env.SAOMA_TEST_LOG ? { level: 'error' } : false,
    modules,
  });
  await app.ready();

  const call: WalletHarness['call'] = async (method, url, callOptions = {}) => {
    const headers: Record<string, string> = { ...callOptions.headers };
    if (callOptions.token) headers.authorization = `Bearer ${callOptions.token}`;
    if (callOptions.key) headers['idempotency-key'] = callOptions.key;
    const response = await app.inject({
      method,
      url,
      headers,
      ...(callOptions.body === undefined ? {} : { payload: callOptions.body as object }),
    });
    return { status: response.statusCode, body: (response.body === '' ? {} : response.json()) as never };
  };

  const harness: WalletHarness = {
    app,
    modules,
    clock,
    call,
    async signUp(provider = 'bluepay', pin = '135790') {
      phoneCounter += 1;
      const phone = `139${String(process.pid % 10_000).padStart(4, '0')}${String(phoneCounter).padStart(4, '0')}`;
      const password = 'correct horse battery';
      const signed = await call('POST', '/v1/users', { body: { provider, phone, password } });
      assert.equal(signed.status, 201, JSON.stringify(signed.body));
      const token = signed.body.session.token as string;
      const pinSet = await call('PUT', '/v1/me/pin', { token, body: { password, pin } });
      assert.equal(pinSet.status, 204, JSON.stringify(pinSet.body));
      idCounter += 1;
      return {
        userId: signed.body.user.id,
        token,
        phone,
        password,
        pin,
        provider,
        name: `测试${idCounter}号`,
        idNumber: demoIdNumber('1990-03-07', idCounter % 1000),
      };
    },
    async verify(person, name = person.name) {
      person.name = name;
      const verified = await call('POST', '/v1/me/real-name', {
        token: person.token,
        body: { name, id_number: person.idNumber },
      });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
    },
    async linkDebitCard(person, depositFen = 10_000_000n, bankId = 'east-bank') {
      const opened = await modules.banking.openAccount({
        bankId,
        kind: 'debit',
        holderName: person.name,
        holderIdNumber: person.idNumber,
        phone: person.phone,
        amountFen: depositFen,
      });
      assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
      const linked = await call('POST', '/v1/me/cards', {
        token: person.token,
        body: { number: opened.value.number, name: person.name, phone: person.phone },
      });
      assert.equal(linked.status, 201, JSON.stringify(linked.body));
      person.cardId = linked.body.card.id;
      person.cardNumber = opened.value.number;
      return person.cardId!;
    },
    topUp(person, amountFen) {
      return call('POST', '/v1/wallet/top-ups', {
        token: person.token,
        key: `top-up-${randomBytes(6).toString('hex')}`,
        body: { card_id: person.cardId, amount: amountFen.toString(), pin: person.pin },
      });
    },
    async funded(balanceFen, provider = 'bluepay') {
      const person = await harness.signUp(provider);
      await harness.verify(person);
      await harness.linkDebitCard(person);
      if (balanceFen > 0n) {
        const topped = await harness.topUp(person, balanceFen);
        assert.equal(topped.status, 201, JSON.stringify(topped.body));
      }
      return person;
    },
    async balanceOf(person) {
      const wallet = await call('GET', '/v1/wallet', { token: person.token });
      assert.equal(wallet.status, 200);
      return BigInt(wallet.body.available);
    },
    async close() {
      try {
        const report = await ledger.audit();
        assert.equal(
          report.ok,
          true,
          JSON.stringify(report.problems ?? report, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
        );
        const network = await auditNetwork(modules);
        assert.deepEqual(network.problems, []);
      } finally {
        await app.close();
        await ledger.close();
      }
    },
  };
  return harness;
}

/**
 * A test body run with the harness on a fresh database of one store kind: the audits are
 * asserted at the end (`close`), and the database is removed whatever happened.
 */
export const withWalletHarness =
  (
    storeKind: TestStoreKind,
    run: (harness: WalletHarness) => Promise<void>,
    options: { seed?: string; adminToken?: string } = {},
  ) =>
  async (): Promise<void> => {
    const database = await storeKind.create();
    try {
      const harness = await createWalletHarness(database, options);
      try {
        await run(harness);
      } finally {
        await harness.close();
      }
    } finally {
      await database.cleanup();
    }
  };
