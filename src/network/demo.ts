// The demo network: two wallet providers (one modelled on Alipay, one on WeChat Pay, with
// generic names and their real fee and limit policies), two banks, and a few people with bank
// accounts, linked cards and balances. `saoma seed demo` and `npm start` on a new database
// make it; the tests start from the same network.
import { luhnCheckDigit } from '../banking/luhn.js';
import type { BankAccountKind, LinkedCard } from '../banking/service.js';
import { residentIdCheckChar } from '../identity/resident-id.js';
import type { User } from '../identity/service.js';
import type { Modules } from '../modules.js';
import { readDemoMerchantLogins, seedDemoMerchants, type DemoMerchantLogin } from '../portal/demo-merchants.js';
import { maskCardNumber } from '../shared/mask.js';
import type { Result } from '../shared/result.js';
import { defaultProviderPolicy, type TierLevel } from './policy.js';
import type { Bank, Provider } from './service.js';

/** Alipay's codes are 16–24 digits starting 25–30; it retries notifications over about a day. */
const ALIPAY_LIKE_PAYMENTS = {
  paymentCodePrefix: '28',
  paymentCodeLength: 18,
  notifyRetrySeconds: [240, 600, 600, 3600, 7200, 21600, 54000],
};
/** WeChat Pay's codes are 18 digits starting 10–15; its retries start after 15 s. */
const WECHAT_LIKE_PAYMENTS = {
  paymentCodePrefix: '13',
  paymentCodeLength: 18,
  notifyRetrySeconds: [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600],
};

export const DEMO_PROVIDERS: readonly Provider[] = [
  // Alipay's rule: ¥20,000 of withdrawals free for life per identity.
  { id: 'bluepay', name: 'BluePay', nameZh: '蓝付', policy: defaultProviderPolicy(20_000, ALIPAY_LIKE_PAYMENTS) },
  // WeChat Pay's rule: ¥1,000 free for life per identity.
  { id: 'greenpay', name: 'GreenPay', nameZh: '绿信支付', policy: defaultProviderPolicy(1_000, WECHAT_LIKE_PAYMENTS) },
];

export const DEMO_BANKS: readonly Bank[] = [
  { id: 'east-bank', name: 'East River Bank', nameZh: '东江银行', binPrefixes: ['621700', '625900'] },
  { id: 'north-bank', name: 'North Star Bank', nameZh: '北辰银行', binPrefixes: ['622800', '628800'] },
];

/** Creates the providers and banks (idempotent: running it again changes nothing). */
export async function seedNetwork(modules: Pick<Modules, 'network'>): Promise<void> {
  for (const provider of DEMO_PROVIDERS) {
    const created = await modules.network.createProvider(provider);
    if (!created.ok) throw new Error(`demo provider ${provider.id}: ${created.error.message}`);
  }
  for (const bank of DEMO_BANKS) {
    const created = await modules.network.createBank(bank);
    if (!created.ok) throw new Error(`demo bank ${bank.id}: ${created.error.message}`);
  }
}

/** A valid resident ID number (check digit included) for demo people: Beijing, Dongcheng. */
export function demoIdNumber(birthDate: string, sequence: number): string {
  const first17 = `110101${birthDate.replaceAll('-', '')}${String(sequence).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
}

/** A bank account a demo person holds; its card is linked to their wallet. */
export interface DemoAccountSpec {
  bankId: string;
  kind: BankAccountKind;
  /** A debit account's opening deposit, or a credit card's limit. */
  amountFen: bigint;
  /** False: the bank has no ID number on file, so linking the card does not raise the holder to class III. */
  bankKnowsIdNumber: boolean;
}

export interface DemoPersonSpec {
  name: string;
  phone: string;
  password: string;
  pin: string;
  provider: string;
  /** The class the seed brings the person to: I phone only, II verified, III verified with a card the bank vouches for. */
  tier: TierLevel;
  birthDate: string;
  /** The ID number's sequence; its last digit is odd for men and even for women, as on real ID cards. */
  idSequence: number;
  accounts: readonly DemoAccountSpec[];
  /** Topped up from the first linked debit card. */
  topUpFen: bigint;
}

const yuan = (amount: number): bigint => BigInt(amount) * 100n;
const debit = (bankId: string, bankKnowsIdNumber = true): DemoAccountSpec => ({
  bankId,
  kind: 'debit',
  amountFen: yuan(50_000),
  bankKnowsIdNumber,
});
const credit = (bankId: string, limitYuan: number): DemoAccountSpec => ({
  bankId,
  kind: 'credit',
  amountFen: yuan(limitYuan),
  bankKnowsIdNumber: true,
});

/**
 * The demo people, with fixed logins so that the README can list them. Passwords and PINs are
 * demo values, never stored anywhere but as the usual hashes: re-seeding returns them from here.
 */
export const DEMO_PEOPLE: readonly DemoPersonSpec[] = [
  {
    name: '张伟',
    phone: '13800000001',
    password: 'demo-pass-1',
    pin: '111111',
    provider: 'bluepay',
    tier: 3,
    birthDate: '1988-05-12',
    idSequence: 11,
    accounts: [debit('east-bank'), credit('north-bank', 20_000)],
    topUpFen: yuan(5_000),
  },
  {
    name: '李娜',
    phone: '13800000002',
    password: 'demo-pass-2',
    pin: '222222',
    provider: 'bluepay',
    tier: 3,
    birthDate: '1992-11-03',
    idSequence: 22,
    accounts: [debit('north-bank')],
    topUpFen: yuan(2_000),
  },
  {
    name: '王芳',
    phone: '13800000003',
    password: 'demo-pass-3',
    pin: '333333',
    provider: 'greenpay',
    tier: 3,
    birthDate: '1985-02-27',
    idSequence: 34,
    accounts: [debit('east-bank'), credit('east-bank', 10_000)],
    topUpFen: yuan(3_000),
  },
  {
    name: '刘洋',
    phone: '13800000004',
    password: 'demo-pass-4',
    pin: '444444',
    provider: 'greenpay',
    tier: 2,
    birthDate: '1995-08-19',
    idSequence: 45,
    accounts: [debit('north-bank', false)],
    topUpFen: yuan(1_000),
  },
  {
    name: '陈静',
    phone: '13800000005',
    password: 'demo-pass-5',
    pin: '555555',
    provider: 'bluepay',
    tier: 1,
    birthDate: '2000-01-30',
    idSequence: 56,
    accounts: [],
    topUpFen: 0n,
  },
];

/** One demo login as demo-credentials.json holds it (the file's field names are a public format). */
export interface DemoLogin {
  name: string;
  phone: string;
  password: string;
  pin: string;
  provider: string;
  user_id: string;
  tier: TierLevel;
  /** `id` is the linked card's id (what `saoma wallet topup --card` takes). */
  cards: { bank: string; kind: BankAccountKind; number: string; id: string | null }[];
}

/** What the seed returns and demo-credentials.json holds (with the server's URL); later issues add to it. */
export interface DemoCredentials {
  users: DemoLogin[];
  /** The demo merchants' portal logins (/app/merchant/). */
  merchantPortal: DemoMerchantLogin[];
}

export type DemoModules = Pick<
  Modules,
  'network' | 'identity' | 'banking' | 'wallet' | 'store' | 'clock' | 'merchants' | 'acquiring'
>;

/**
 * A card number that is the same on every seed: the bank's first BIN for debit cards and its
 * second for credit cards, the holder's phone, a kind digit and the Luhn check digit (19 digits).
 */
export function demoCardNumber(bank: Bank, kind: BankAccountKind, phone: string): string {
  const bin = kind === 'debit' ? bank.binPrefixes[0]! : (bank.binPrefixes[1] ?? bank.binPrefixes[0]!);
  const partial = `${bin}${phone}${kind === 'debit' ? '1' : '2'}`;
  return partial + luhnCheckDigit(partial);
}

/**
 * The demo network and people: providers, banks, five people at both providers and all three
 * tiers, bank accounts, linked cards and wallet balances. Idempotent: on a seeded database it
 * creates nothing and moves no money (top-ups carry fixed idempotency keys), and returns the
 * same logins.
 */
export async function seedDemo(modules: DemoModules): Promise<DemoCredentials> {
  await seedNetwork(modules);
  for (const person of DEMO_PEOPLE) await seedPerson(modules, person);
  await seedDemoMerchants(modules);
  return readDemoCredentials(modules);
}

/** The logins of the demo people present in the database (read only: nothing is created). */
export async function readDemoCredentials(modules: DemoModules): Promise<DemoCredentials> {
  const logins: DemoLogin[] = [];
  for (const person of DEMO_PEOPLE) {
    const user = await modules.identity.findByPhone(person.provider, person.phone);
    if (!user) continue;
    const linked = await modules.banking.listCards(user);
    const cards = [];
    for (const account of person.accounts) {
      const number = demoCardNumber(await demoBank(modules, account.bankId), account.kind, person.phone);
      const card = linked.find((entry) => matches(entry, account, number));
      cards.push({ bank: account.bankId, kind: account.kind, number, id: card?.id ?? null });
    }
    const { name, phone, password, pin, provider } = person;
    logins.push({ name, phone, password, pin, provider, user_id: user.id, tier: user.tier, cards });
  }
  return { users: logins, merchantPortal: await readDemoMerchantLogins(modules) };
}

async function seedPerson(modules: DemoModules, person: DemoPersonSpec): Promise<void> {
  const { identity } = modules;
  let user = await signedUp(modules, person);
  if (!user.pinSet) {
    demoStep(person, 'set the PIN', await identity.setPin(user.id, { password: person.password, pin: person.pin }));
  }
  const idNumber = demoIdNumber(person.birthDate, person.idSequence);
  if (person.tier >= 2 && user.tier < 2) {
    const verified = await identity.verifyRealName(user.id, { name: person.name, idNumber });
    // Already verified: another process seeding the same database at once (PostgreSQL) got there first.
    if (verified.ok || verified.error.code !== 'real_name_already_verified') {
      demoStep(person, 'verify the real name', verified);
    }
    user = (await identity.getUser(user.id))!;
  }
  let topUpCardId: string | null = null;
  for (const account of person.accounts) {
    const cardId = await linkedDemoCard(modules, user, person, account, idNumber);
    // Linking may have raised the tier: the next card must see the user as they are now.
    user = (await identity.getUser(user.id))!;
    if (account.kind === 'debit') topUpCardId ??= cardId;
  }
  if (person.topUpFen > 0n && topUpCardId !== null) {
    const topped = await modules.wallet.topUp(user, {
      idempotencyKey: `seed:${person.phone}:top-up`,
      cardId: topUpCardId,
      amountFen: person.topUpFen,
    });
    demoStep(person, 'top up', topped);
  }
}

async function signedUp(modules: DemoModules, person: DemoPersonSpec): Promise<User> {
  const existing = await modules.identity.findByPhone(person.provider, person.phone);
  if (existing) return existing;
  const signed = await modules.identity.signUp({
    providerId: person.provider,
    phone: person.phone,
    password: person.password,
    deviceName: 'saoma seed demo',
  });
  if (!signed.ok && signed.error.code === 'phone_taken') {
    // Another process seeding the same database at once (PostgreSQL) signed them up first.
    const taken = await modules.identity.findByPhone(person.provider, person.phone);
    if (taken) return taken;
  }
  const { user, session } = demoStep(person, 'sign up', signed);
  // The seed needs no session; leaving one live would be a login nobody asked for.
  await modules.identity.logOut(session.token);
  return user;
}

/** Opens the bank account (unless an earlier seed did) and links its card; returns the card's id. */
async function linkedDemoCard(
  modules: DemoModules,
  user: User,
  person: DemoPersonSpec,
  account: DemoAccountSpec,
  idNumber: string,
): Promise<string> {
  const number = demoCardNumber(await demoBank(modules, account.bankId), account.kind, person.phone);
  const known = (await modules.banking.listCards(user)).find((card) => matches(card, account, number));
  if (known) return known.id;
  const opened = await modules.banking.openAccount({
    bankId: account.bankId,
    kind: account.kind,
    holderName: person.name,
    ...(account.bankKnowsIdNumber && { holderIdNumber: idNumber }),
    phone: person.phone,
    number,
    amountFen: account.amountFen,
  });
  // Taken: an earlier seed opened it and stopped before linking; link it now.
  if (!opened.ok && opened.error.code !== 'card_number_taken') {
    demoStep(person, `open a ${account.bankId} account`, opened);
  }
  const linked = demoStep(
    person,
    `link the ${account.bankId} card`,
    await modules.banking.linkCard(user, { number, name: person.name, phone: person.phone }),
  );
  return linked.card.id;
}

const matches = (card: LinkedCard, account: DemoAccountSpec, number: string) =>
  card.bankId === account.bankId && card.kind === account.kind && card.numberMasked === maskCardNumber(number);

async function demoBank(modules: DemoModules, bankId: string): Promise<Bank> {
  const bank = await modules.network.getBank(bankId);
  if (!bank) throw new Error(`demo bank ${bankId} is missing (seedNetwork creates it)`);
  return bank;
}

/** The demo's data are fixed in code: any refusal is a programmer's error (or a database edited by hand). */
function demoStep<Value>(person: DemoPersonSpec, what: string, result: Result<Value>): Value {
  if (!result.ok) {
    throw new Error(`demo ${person.phone}: cannot ${what}: ${result.error.message} (${result.error.code})`);
  }
  return result.value;
}
