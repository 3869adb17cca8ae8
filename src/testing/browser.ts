// Support for tests in a real browser: Debian's Chromium driven by playwright-core (never a
// downloaded browser), a real `saoma` server on a loopback port with a fresh SQLite database and
// the demo network, phone-sized pages logged in as a person, a merchant with a static collection
// code, and screenshots saved into docs/screens/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { WEB_BUILD_DIRECTORY } from '../api/web.js';
import { startSaoma, type RunningSaoma } from '../main.js';
import type { Merchant, MerchantStore } from '../merchant/service.js';
import { demoIdNumber, seedDemo, type DemoCredentials, type DemoLogin } from '../network/demo.js';

export const CHROMIUM_PATH = process.env.SAOMA_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** An iPhone 12–15 sized screen: what the wallet is designed for. */
export const PHONE_VIEWPORT = { width: 390, height: 844 };
/** Where the README's screenshots live (from dist/testing/browser.js: the repository root is two up). */
export const SCREENS_DIRECTORY = fileURLToPath(new URL('../../docs/screens/', import.meta.url));
/** A page waits this long for what it expects; a real browser on a busy CI machine can be slow. */
export const BROWSER_WAIT_MS = 15_000;

/**
 * Why browser tests cannot run here, or null when they can: for `test(name, { skip }, …)`.
 * No test ever downloads a browser.
 */
export function browserSkipReason(): string | null {
  if (!existsSync(CHROMIUM_PATH)) {
    return `no Chromium at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) to run the browser tests`;
  }
  if (!existsSync(join(WEB_BUILD_DIRECTORY, 'wallet', 'index.html'))) {
    return `the web apps are not built (${WEB_BUILD_DIRECTORY}): run npm run build first`;
  }
  return null;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface WebTestServer {
  saoma: RunningSaoma;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The demo people's logins (demo-credentials.json's `users`). */
  demo: DemoCredentials;
  /** The operator API's token, for tests that act as the operator. */
  adminToken: string;
  demoPerson(phone: string): DemoLogin;
  /** Stops the server and removes its database. */
  close(): Promise<void>;
}

/** A real `saoma serve --demo`: a fresh SQLite file, the demo network, a free loopback port. */
export async function startWebServer(): Promise<WebTestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'saoma-browser-'));
  const adminToken = randomBytes(24).toString('hex');
  try {
    const saoma = await startSaoma({
      databaseUrl: `sqlite:${join(directory, 'saoma.db')}`,
      host: '127.0.0.1',
      port: 0,
      adminToken,
      logLevel: process.env.SAOMA_TEST_LOG ? 'warn' : false,
      fieldKey: randomBytes(32),
    });
    const demo = await seedDemo(saoma.modules);
    return {
      saoma,
      url: saoma.url,
      demo,
      adminToken,
      demoPerson(phone) {
        const found = demo.users.find((user) => user.phone === phone);
        assert.ok(found, `no demo person with phone ${phone}`);
        return found;
      },
      async close() {
        try {
          await saoma.close();
        } finally {
          rmSync(directory, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

export interface PhonePage {
  context: BrowserContext;
  page: Page;
}

/** A fresh phone-sized browser context (its own cookies) on the server. */
export async function openPhone(browser: Browser, server: WebTestServer): Promise<PhonePage> {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: PHONE_VIEWPORT,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  context.setDefaultTimeout(BROWSER_WAIT_MS);
  const page = await context.newPage();
  return { context, page };
}

/**
 * The wallet, logged in as `person`, on its home screen. The log-in goes through the API in the
 * context (its session cookie is the page's), not through the form: tests of the form sign up.
 */
export async function walletPageFor(
  browser: Browser,
  server: WebTestServer,
  person: { phone: string; password: string; provider?: string },
): Promise<PhonePage> {
  const phone = await openPhone(browser, server);
  const logged = await phone.context.request.post('/v1/sessions', {
    data: { phone: person.phone, password: person.password, provider: person.provider, device_name: 'browser test' },
  });
  assert.equal(logged.status(), 201, await logged.text());
  await phone.page.goto('/app/wallet/#/');
  await phone.page.getByTestId('balance').filter({ hasText: '¥' }).waitFor();
  return phone;
}

/** Reads of a sliding sheet's position, at most, before a screenshot goes ahead anyway. */
const SETTLE_READS_MAX = 40;

/**
 * Waits until sheets (antd-mobile popups, moved by JavaScript springs that the screenshot's
 * `animations: 'disabled'` does not stop) have stopped moving: two equal positions in a row.
 */
async function sheetsSettled(page: Page): Promise<void> {
  let last = '';
  for (let read = 0; read < SETTLE_READS_MAX; read += 1) {
    const now = JSON.stringify(
      await page
        .locator('.adm-popup-body')
        .evaluateAll((bodies) => bodies.map((body) => body.getBoundingClientRect().top)),
    );
    if (now === last) return;
    last = now;
    await page.waitForTimeout(60);
  }
}

/** Saves `docs/screens/<name>.png` (the README shows them), after fonts and animations settle. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENS_DIRECTORY, { recursive: true });
  const path = join(SCREENS_DIRECTORY, `${name}.png`);
  await page.evaluate('document.fonts.ready.then(() => true)');
  await sheetsSettled(page);
  await page.screenshot({ path, animations: 'disabled' });
  return path;
}

/** Presses the PIN on the wallet's PIN pad (its keys are labelled `pin 0` … `pin 9`). */
export async function typePin(page: Page, pin: string): Promise<void> {
  for (const digit of pin) await page.getByRole('button', { name: `pin ${digit}`, exact: true }).click();
}

export interface TestMerchant {
  merchant: Merchant;
  store: MerchantStore;
  /** The store's static collection code, and its URL (what the printed QR holds). */
  code: string;
  codeUrl: string;
}

/** A merchant at a provider with one store and a static collection code, as an operator would onboard it. */
export async function openMerchant(
  server: WebTestServer,
  options: { name: string; storeName: string; city: string; provider?: string; mcc?: string },
): Promise<TestMerchant> {
  const modules = server.saoma.modules;
  const bank = await modules.banking.openAccount({
    bankId: 'north-bank',
    kind: 'debit',
    holderName: options.name,
    phone: '13700000000',
    amountFen: 0n,
  });
  assert.ok(bank.ok, bank.ok ? '' : bank.error.message);
  const merchant = await modules.merchants.create({
    providerId: options.provider ?? 'bluepay',
    kind: 'individual',
    name: options.name,
    mcc: options.mcc ?? '5499',
    settlementBankAccountId: bank.value.id,
  });
  assert.ok(merchant.ok, merchant.ok ? '' : merchant.error.message);
  const store = await modules.merchants.addStore(merchant.value.id, { name: options.storeName, city: options.city });
  assert.ok(store.ok, store.ok ? '' : store.error.message);
  const code = await modules.acquiring.createStaticCode(merchant.value, store.value);
  return { merchant: merchant.value, store: store.value, code, codeUrl: `${server.url}/c/${code}` };
}

let personCounter = 0;

/** Someone new to the network: a fresh phone number, a valid resident ID number, a name. */
export function newPersonDetails(): { phone: string; idNumber: string; name: string; password: string; pin: string } {
  personCounter += 1;
  const phone = `137${String(process.pid % 10_000).padStart(4, '0')}${String(personCounter).padStart(4, '0')}`;
  return {
    phone,
    idNumber: demoIdNumber('1993-06-18', 600 + (personCounter % 300)),
    name: `周${['明', '亮', '涛', '敏'][personCounter % 4]}`,
    password: 'browser-pass-1',
    pin: '246810',
  };
}

/** A current account at a bank in the person's name (the bank's own record, which linking checks). */
export async function openBankAccount(
  server: WebTestServer,
  person: { name: string; idNumber: string; phone: string },
  depositFen: bigint,
): Promise<string> {
  const opened = await server.saoma.modules.banking.openAccount({
    bankId: 'east-bank',
    kind: 'debit',
    holderName: person.name,
    holderIdNumber: person.idNumber,
    phone: person.phone,
    amountFen: depositFen,
  });
  assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
  return opened.value.number;
}
