// The world `saoma bench pay` pays in, made through the services in the server's own process and
// not timed: the demo network, merchants at bluepay each with an app (an RSA-2048 or Ed25519 key,
// the run's choice) and a webhook URL,
// and class III payers with a session and money topped up from their own bank card (the ledger
// moves it, as any top-up; no balance is written by hand).
import { generateKeyPair } from 'node:crypto';
import { registerApp } from '../api/admin-network.js';
import type { Modules } from '../modules.js';
import { demoIdNumber, seedNetwork } from '../network/demo.js';
import type { Result } from '../shared/result.js';
import type { KeyAlgorithm } from '../merchant/signature.js';
import type { LoadCounter } from './load.js';
import { BENCH_PROVIDER_ID, type BenchMerchant } from './pay-plan.js';

/**
 * People set up at once: enough to fill the ledger's batches and the scrypt thread pool (sign-up
 * hashes a password), few enough not to hold thousands of promises.
 */
const SETUP_CONCURRENCY = 32;
const BANK_ID = 'east-bank';
const DAY_MS = 86_400_000;
/** demoIdNumber takes a sequence of 0–999 within a birth date; payer i is born i ÷ 1000 days after this. */
const FIRST_BIRTH_MS = Date.UTC(1970, 0, 1);
const PAYER_PASSWORD = 'saoma-bench-password';
/** The size Alipay's RSA2 and WeChat Pay's merchant keys have, and the smallest Saoma accepts. */
const RSA_MODULUS_BITS = 2048;

export interface PaySetupSpec {
  merchants: number;
  payers: number;
  payerBalanceFen: bigint;
  /** RSA-2048 (what Alipay's RSA2 and WeChat Pay merchants sign with) or Ed25519. */
  keyAlgorithm: KeyAlgorithm;
  /** Every app's webhook URL. */
  webhookUrl: string;
}

export interface PaySetup {
  merchants: BenchMerchant[];
  payerTokens: string[];
}

/** `counter.done` counts merchants and payers as they become ready. */
export async function setUpPayWorld(modules: Modules, spec: PaySetupSpec, counter: LoadCounter): Promise<PaySetup> {
  await seedNetwork(modules);
  const merchants = await forEachConcurrently(spec.merchants, async (index) => {
    const merchant = await setUpMerchant(modules, index, spec);
    counter.done++;
    return merchant;
  });
  const payerTokens = await forEachConcurrently(spec.payers, async (index) => {
    const token = await setUpPayer(modules, index, spec.payerBalanceFen);
    counter.done++;
    return token;
  });
  return { merchants, payerTokens };
}

async function setUpMerchant(modules: Modules, index: number, spec: PaySetupSpec): Promise<BenchMerchant> {
  const name = `压测商户 ${index + 1}`;
  const bank = step(
    `merchant ${index}: open the settlement account`,
    await modules.banking.openAccount({
      bankId: BANK_ID,
      kind: 'debit',
      holderName: name,
      phone: phoneOf(1, index),
      amountFen: 0n,
    }),
  );
  const merchant = step(
    `merchant ${index}: create`,
    await modules.merchants.create({
      providerId: BENCH_PROVIDER_ID,
      kind: 'business',
      name,
      mcc: '5411',
      settlementBankAccountId: bank.id,
    }),
  );
  const { privateKey, publicKey } = await generateAppKeyPair(spec.keyAlgorithm);
  const appId = step(
    `merchant ${index}: register the app`,
    await registerApp(modules, merchant.id, publicKey, spec.webhookUrl),
  );
  return { merchantId: merchant.id, appId, privateKeyPem: privateKey };
}

const PEM_ENCODING = {
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
} as const;

/**
 * SPKI and PKCS#8 PEM. Generated on libuv's pool: an RSA-2048 key takes tens of milliseconds to
 * find, which would stall the event loop (and the setup's progress) if done synchronously.
 */
function generateAppKeyPair(algorithm: KeyAlgorithm): Promise<{ publicKey: string; privateKey: string }> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: string, privateKey: string) =>
      error ? reject(error) : resolve({ publicKey, privateKey });
    if (algorithm === 'rsa') generateKeyPair('rsa', { modulusLength: RSA_MODULUS_BITS, ...PEM_ENCODING }, done);
    else generateKeyPair('ed25519', PEM_ENCODING, done);
  });
}

/** Sign-up (class I), real name (II), a card in that name at a bank that knows the ID (III), a top-up. */
async function setUpPayer(modules: Modules, index: number, balanceFen: bigint): Promise<string> {
  const { identity, banking, wallet } = modules;
  const phone = phoneOf(9, index);
  const what = `payer ${index}`;
  const signed = step(
    `${what}: sign up`,
    await identity.signUp({
      providerId: BENCH_PROVIDER_ID,
      phone,
      password: PAYER_PASSWORD,
      deviceName: 'saoma bench pay',
    }),
  );
  const name = `压测 ${index + 1}`;
  const birthDate = new Date(FIRST_BIRTH_MS + Math.floor(index / 1000) * DAY_MS).toISOString().slice(0, 10);
  const idNumber = demoIdNumber(birthDate, index % 1000);
  const verified = step(`${what}: verify`, await identity.verifyRealName(signed.user.id, { name, idNumber }));
  const account = step(
    `${what}: open a bank account`,
    await banking.openAccount({
      bankId: BANK_ID,
      kind: 'debit',
      holderName: name,
      holderIdNumber: idNumber,
      phone,
      amountFen: balanceFen,
    }),
  );
  const linked = step(
    `${what}: link the card`,
    await banking.linkCard(verified, { number: account.number, name, phone }),
  );
  if (!linked.raisedToClassThree) throw new Error(`${what}: linking the card did not raise the payer to class III`);
  step(
    `${what}: top up`,
    await wallet.topUp(verified, {
      idempotencyKey: `bench-top-up-${index}`,
      cardId: linked.card.id,
      amountFen: balanceFen,
    }),
  );
  return signed.session.token;
}

/** Phones 13{1 or 9}… are distinct for up to 10⁸ people of each kind (merchants 131…, payers 139…). */
const phoneOf = (kind: 1 | 9, index: number): string => `13${kind}${String(index).padStart(8, '0')}`;

/** Setup is fixed in code: a refusal is a bug (or a changed rule) and stops the benchmark. */
function step<Value>(what: string, result: Result<Value>): Value {
  if (!result.ok) throw new Error(`bench setup, ${what}: ${result.error.message} (${result.error.code})`);
  return result.value;
}

/** Runs `work(0 … count − 1)` with SETUP_CONCURRENCY at a time; results in index order. */
async function forEachConcurrently<Value>(count: number, work: (index: number) => Promise<Value>): Promise<Value[]> {
  const results = new Array<Value>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, count) }, worker));
  return results;
}
