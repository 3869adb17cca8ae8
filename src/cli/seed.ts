// `saoma seed demo` and `saoma serve --demo`: the demo network and people (network/demo.ts) put
// into a database, their logins written to demo-credentials.json and printed for a person to try.
import { writeFileSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import { demoGatewayCredentials, seedDemoGateways, type DemoGatewayCredentials } from '../gateway/demo.js';
import { createLedgerService } from '../ledger/service.js';
import { createModules, type Modules } from '../modules.js';
import {
  DEMO_BANKS,
  DEMO_PROVIDERS,
  readDemoCredentials,
  seedDemo,
  type DemoCredentials,
  type DemoLogin,
} from '../network/demo.js';
import { systemClock } from '../shared/clock.js';
import { loadConfig, type SaomaConfig } from '../shared/config.js';
import { createFieldCipher } from '../shared/field-cipher.js';
import { resolveFieldKey } from '../shared/field-key.js';
import { migrate } from '../store/migrations.js';
import { openStore } from '../store/store.js';

export const DEFAULT_CREDENTIALS_FILE = './demo-credentials.json';

/** demo-credentials.json: other tools read it, so its field names are a format, not an accident. */
export type DemoCredentialsFile = { server: string } & DemoCredentials & DemoGatewayCredentials;

/** `saoma seed demo`: migrate, seed (idempotently), write the credentials, print a summary. */
export async function runSeedDemo(flags: { db?: string; out?: string }): Promise<void> {
  const config = configOrThrow(flags.db);
  const store = await openStore(config.databaseUrl);
  try {
    const migrated = await migrate(store, BigInt(systemClock.nowMs()));
    for (const step of migrated.applied) console.log(`applied migration ${step.version} (${step.name})`);
    const ledger = createLedgerService({ store, clock: systemClock, writer: { batchMax: config.batchMax } });
    // Closed even when seeding throws: the ledger's SQLite write thread would keep the process alive.
    try {
      const cipher = createFieldCipher(resolveFieldKey(config.databaseUrl, config.fieldKey));
      const modules = await createModules({ store, ledger, clock: systemClock, cipher });
      const credentials = await seedDemo(modules);
      await seedDemoGateways(modules);
      const server = serverUrlOf(config);
      const gateways = await demoGatewayCredentials(modules, server);
      const path = writeCredentials(flags.out, { server, ...credentials, ...gateways });
      console.log(`saoma: demo network seeded in ${store.description}`);
      console.log(formatNetwork());
      console.log(formatLogins(credentials.users));
      console.log(`saoma: logins written to ${path}`);
    } finally {
      await ledger.close();
    }
  } finally {
    await store.close();
  }
}

/**
 * `saoma serve --demo`, once the server listens: a database without providers gets the demo
 * network; one that has the demo people already is left as it is and only their logins are
 * read back; one with other providers is an operator's and is not touched. Returns the lines to
 * print after the listening line.
 */
export async function seedForServe(modules: Modules, url: string, out: string | undefined): Promise<string[]> {
  const providers = await modules.network.listProviders();
  const credentials = providers.length === 0 ? await seedDemo(modules) : await readDemoCredentials(modules);
  const users = credentials.users;
  if (users.length === 0) {
    return ['saoma: --demo: this database already has providers of its own, so the demo is not seeded'];
  }
  await seedDemoGateways(modules);
  const gateways = await demoGatewayCredentials(modules, url);
  const path = writeCredentials(out, { server: url, ...credentials, ...gateways });
  return [
    `saoma: wallet ${url}/app/wallet/   merchant portal ${url}/app/merchant/   console ${url}/app/console/`,
    `saoma: API docs ${url}/docs   OpenAPI ${url}/openapi.json   Alipay ${url}/alipay/gateway.do   WeChat Pay ${url}/v3/…`,
    `saoma: demo network ${providers.length === 0 ? 'seeded' : 'already there'}; log in as one of:`,
    formatLogins(users),
    ...credentials.merchantPortal.map(
      (shop) => `  merchant portal: ${shop.login} / ${shop.password}  ${shop.merchantName} (${shop.provider})`,
    ),
    `saoma: logins (and the Alipay and WeChat Pay demo credentials) written to ${path}; try: node bin/saoma.js wallet login --server ${url} --phone ${users[0]!.phone} --password ${users[0]!.password}`,
  ];
}

function configOrThrow(databaseUrl: string | undefined): SaomaConfig {
  const config = loadConfig(process.env, databaseUrl === undefined ? {} : { databaseUrl });
  if (!config.ok) throw new Error(config.error.message);
  return config.value;
}

/** Where `saoma serve` with the same configuration will answer (a wildcard address is reached on loopback). */
export function serverUrlOf(config: SaomaConfig): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '[::1]' : config.host;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.port}`;
}

/** Written whole, then renamed over the old file, so a reader never sees half of it. Returns the absolute path. */
function writeCredentials(out: string | undefined, credentials: DemoCredentialsFile): string {
  const path = resolve(out ?? DEFAULT_CREDENTIALS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  // Demo passwords only, but still logins: readable by the owner alone.
  writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
  return path;
}

function formatNetwork(): string {
  const providers = DEMO_PROVIDERS.map((provider) => `${provider.id} (${provider.name}, ${provider.nameZh})`);
  const banks = DEMO_BANKS.map((bank) => `${bank.id} (${bank.name}, ${bank.nameZh})`);
  return `  providers: ${providers.join(', ')}\n  banks:     ${banks.join(', ')}`;
}

const TIER_NAMES = { 1: 'class I', 2: 'class II', 3: 'class III' } as const;

/** One line a person, the name last: Chinese characters are two columns wide and would break the alignment. */
export function formatLogins(users: readonly DemoLogin[]): string {
  const header = `  ${'phone'.padEnd(12)} ${'password'.padEnd(12)} ${'PIN'.padEnd(7)} ${'provider'.padEnd(9)} ${'tier'.padEnd(10)} name, linked cards`;
  const lines = users.map((user) => {
    const cards = user.cards.map((card) => `${card.bank} ${card.kind} ${card.id ?? '(not linked)'}`).join(', ');
    const columns = [
      user.phone.padEnd(12),
      user.password.padEnd(12),
      user.pin.padEnd(7),
      user.provider.padEnd(9),
      TIER_NAMES[user.tier].padEnd(10),
    ];
    return `  ${columns.join(' ')} ${user.name}${cards === '' ? '' : `, ${cards}`}`;
  });
  return [header, ...lines].join('\n');
}
