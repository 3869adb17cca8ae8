// The demo's merchants: one at each provider, each with a settlement account at a bank, a store,
// a static collection code and a merchant portal log-in. Idempotent like the rest of the demo
// seed: a merchant found by its provider and name is not made again, and the logins read back
// are the same on every run. The portal passwords are fixed demo values, stored only as hashes.
import type { Modules } from '../modules.js';
import { staticCodes } from './queries.js';
import { createPortalUserService } from './users.js';

export type DemoMerchantModules = Pick<Modules, 'store' | 'clock' | 'network' | 'banking' | 'merchants' | 'acquiring'>;

interface DemoMerchantSpec {
  provider: string;
  name: string;
  kind: 'individual' | 'business';
  mcc: string;
  bankId: string;
  /** The settlement account's holder and phone at the bank. */
  holderName: string;
  holderPhone: string;
  store: { name: string; city: string };
  portal: { login: string; name: string; password: string };
}

export const DEMO_MERCHANTS: readonly DemoMerchantSpec[] = [
  {
    provider: 'bluepay',
    name: '老王水果店',
    kind: 'individual',
    mcc: '5411',
    bankId: 'east-bank',
    holderName: '王建国',
    holderPhone: '13700000001',
    store: { name: '朝阳门店', city: '北京' },
    portal: { login: '13700000001', name: '王建国', password: 'merchant-pass-1' },
  },
  {
    provider: 'greenpay',
    name: '小李咖啡',
    kind: 'business',
    mcc: '5814',
    bankId: 'north-bank',
    holderName: '小李咖啡有限公司',
    holderPhone: '13700000002',
    store: { name: '三里屯店', city: '北京' },
    portal: { login: 'owner@xiaoli-coffee.example', name: '李晓', password: 'merchant-pass-2' },
  },
];

/** One merchant portal login as demo-credentials.json holds it (`merchantPortal`). */
export interface DemoMerchantLogin {
  merchantId: string;
  merchantName: string;
  provider: string;
  login: string;
  password: string;
  /** The store's static collection code (what its printed QR holds is `/c/<code>`), or null. */
  collectionCode: string | null;
}

/** A demo merchant found by its provider and name (the seed makes it once). */
export async function findMerchantId(
  modules: Pick<DemoMerchantModules, 'store'>,
  spec: Pick<DemoMerchantSpec, 'provider' | 'name'>,
): Promise<string | null> {
  const row = await modules.store.db
    .selectFrom('merchants')
    .select('id')
    .where('provider_id', '=', spec.provider)
    .where('name', '=', spec.name)
    .orderBy('created_at_ms')
    .executeTakeFirst();
  return row?.id ?? null;
}

async function firstStaticCode(modules: DemoMerchantModules, merchantId: string): Promise<string | null> {
  const [first] = await staticCodes(modules.store.db, merchantId, 1);
  return first?.code ?? null;
}

/** The demo's data are fixed in code: a refusal is a programmer's error (or a database edited by hand). */
function demoStep<Value>(
  spec: DemoMerchantSpec,
  what: string,
  result: { ok: true; value: Value } | { ok: false; error: { code: string; message: string } },
): Value {
  if (!result.ok)
    throw new Error(`demo merchant ${spec.name}: cannot ${what}: ${result.error.message} (${result.error.code})`);
  return result.value;
}

async function seedMerchant(modules: DemoMerchantModules, spec: DemoMerchantSpec): Promise<void> {
  let merchantId = await findMerchantId(modules, spec);
  if (merchantId === null) {
    const account = demoStep(
      spec,
      'open the settlement account',
      await modules.banking.openAccount({
        bankId: spec.bankId,
        kind: 'debit',
        holderName: spec.holderName,
        phone: spec.holderPhone,
        amountFen: 0n,
      }),
    );
    const merchant = demoStep(
      spec,
      'onboard',
      await modules.merchants.create({
        providerId: spec.provider,
        kind: spec.kind,
        name: spec.name,
        mcc: spec.mcc,
        settlementBankAccountId: account.id,
      }),
    );
    merchantId = merchant.id;
  }
  const merchant = (await modules.merchants.get(merchantId))!;
  let [store] = await modules.merchants.listStores(merchantId);
  store ??= demoStep(spec, 'add the store', await modules.merchants.addStore(merchantId, spec.store));
  if ((await firstStaticCode(modules, merchantId)) === null) await modules.acquiring.createStaticCode(merchant, store);
  const users = createPortalUserService({ store: modules.store, clock: modules.clock, merchants: modules.merchants });
  if (!(await users.findByLogin(spec.portal.login))) {
    demoStep(spec, 'create the portal log-in', await users.create(merchantId, spec.portal));
  }
}

/** Creates the demo merchants (after the network: they need its providers and banks). */
export async function seedDemoMerchants(modules: DemoMerchantModules): Promise<void> {
  for (const spec of DEMO_MERCHANTS) await seedMerchant(modules, spec);
}

/** The portal logins of the demo merchants present in the database (read only). */
export async function readDemoMerchantLogins(modules: DemoMerchantModules): Promise<DemoMerchantLogin[]> {
  const logins: DemoMerchantLogin[] = [];
  for (const spec of DEMO_MERCHANTS) {
    const merchantId = await findMerchantId(modules, spec);
    if (merchantId === null) continue;
    logins.push({
      merchantId,
      merchantName: spec.name,
      provider: spec.provider,
      login: spec.portal.login,
      password: spec.portal.password,
      collectionCode: await firstStaticCode(modules, merchantId),
    });
  }
  return logins;
}
