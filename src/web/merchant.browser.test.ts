// The merchant portal in a real browser (Debian's Chromium through playwright-core) against a
// real `saoma` server with the demo network: a payer pays the demo fruit shop through the API →
// its owner logs in to the portal → the dashboard and the order list show the payment → a partial
// refund from the order's page (and a refused one, with the server's sentence) → the payer's
// wallet has the money back, and shows the refund in its history. Also the stores with their codes and stand, the bill download, the
// credentials, the webhook log with re-send, and the English switch. Screenshots go to docs/screens/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  BROWSER_WAIT_MS,
  browserSkipReason,
  launchChromium,
  saveScreenshot,
  startWebServer,
  walletPageFor,
  type WebTestServer,
} from '../testing/browser.js';

const DESKTOP_VIEWPORT = { width: 1366, height: 900 };
const skip = browserSkipReason() ?? false;

interface Payer {
  token: string;
}

async function json(
  server: WebTestServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; key?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.key) headers['idempotency-key'] = options.key;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(server.url + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function logInPayer(server: WebTestServer, phone: string): Promise<Payer> {
  const person = server.demoPerson(phone);
  const logged = await json(server, 'POST', '/v1/sessions', {
    body: { phone, password: person.password, provider: person.provider },
  });
  assert.equal(logged.status, 201, JSON.stringify(logged.body));
  return { token: logged.body.session.token };
}

describe('merchant portal in Chromium', { skip }, () => {
  let server: WebTestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let orderId: string;
  let payer: Payer;

  before(async () => {
    server = await startWebServer();
    browser = await launchChromium();
    context = await browser.newContext({
      baseURL: server.url,
      viewport: DESKTOP_VIEWPORT,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      acceptDownloads: true,
    });
    context.setDefaultTimeout(BROWSER_WAIT_MS);
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a payer pays the demo shop; its owner sees the order, refunds part of it, and the wallet has it back', async () => {
    const shop = server.demo.merchantPortal.find((entry) => entry.merchantName === '老王水果店');
    assert.ok(shop, JSON.stringify(server.demo.merchantPortal));
    const modules = server.saoma.modules;
    const merchant = (await modules.merchants.get(shop.merchantId))!;
    // An app with a webhook URL nobody answers: the webhook log then has attempts to show.
    const { generateKeyPairSync } = await import('node:crypto');
    const key = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    const app = await fetch(`${server.url}/v1/admin/merchants/${shop.merchantId}/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ public_key_pem: key, webhook_url: 'http://127.0.0.1:9/saoma-webhook' }),
    });
    assert.equal(app.status, 201);

    payer = await logInPayer(server, '13800000001');
    const other = await logInPayer(server, '13800000002');
    const paid: string[] = [];
    for (const [outTradeNo, amountFen, who] of [
      ['FRUIT-1001', 25_000n, payer],
      ['FRUIT-1002', 3_680n, other],
      ['FRUIT-1003', 12_900n, payer],
    ] as const) {
      const created = await modules.acquiring.createOrder(merchant, {
        outTradeNo,
        amountFen,
        subject: `水果 ${outTradeNo}`,
      });
      assert.ok(created.ok);
      const pay = await json(server, 'POST', `/v1/codes/${created.value.code}/pay`, {
        token: who.token,
        key: `browser-${outTradeNo}`,
        body: {},
      });
      assert.equal(pay.status, 201, JSON.stringify(pay.body));
      paid.push(pay.body.order_id);
    }
    const staticPay = await json(server, 'POST', `/v1/codes/${shop.collectionCode}/pay`, {
      token: other.token,
      key: 'browser-static-1',
      body: { amount: '1550' },
    });
    assert.equal(staticPay.status, 201, JSON.stringify(staticPay.body));
    orderId = paid[0]!;

    await page.goto('/app/merchant/');
    await page.locator('input[name=login]').fill(shop.login);
    await page.locator('input[name=password]').fill('wrong-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('[data-error-code=invalid_credentials]').waitFor();
    await page.locator('input[name=password]').fill(shop.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('today-takings').filter({ hasText: '¥431.30' }).waitFor();
    await page.locator('canvas').first().waitFor();
    await page.waitForTimeout(300);
    await saveScreenshot(page, 'merchant-dashboard');

    await page.getByRole('link', { name: '订单' }).click();
    await page.locator(`tr[data-order-id="${orderId}"]`).waitFor();
    assert.equal(await page.locator('tbody tr').count(), 4);
    await page.locator('input[name=out_trade_no]').fill('FRUIT-1001');
    await page.getByRole('button', { name: '搜索' }).click();
    await page.waitForFunction("document.querySelectorAll('tbody tr').length === 1");
    await page.getByRole('button', { name: '重置' }).click();
    await page.waitForFunction("document.querySelectorAll('tbody tr').length === 4");
    await saveScreenshot(page, 'merchant-orders');

    await page.locator(`tr[data-order-id="${orderId}"]`).click();
    await page.getByTestId('order-fields').waitFor();
    const balanceBefore = BigInt((await json(server, 'GET', '/v1/wallet', { token: payer.token })).body.available);
    await page.locator('input[name=amount]').fill('50');
    await page.locator('input[name=reason]').fill('坏了两个');
    await page.getByRole('button', { name: '确认退款' }).click();
    await page.getByTestId('refunds').filter({ hasText: '¥50.00' }).waitFor();
    await page.getByRole('status').filter({ hasText: '已退款 ¥50.00' }).waitFor();
    await page.locator('input[name=amount]').fill('200.01');
    await page.getByRole('button', { name: '确认退款' }).click();
    const refusal = page.locator('[data-error-code=refund_exceeds_paid]');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /退款金额超过可退金额/);
    await saveScreenshot(page, 'merchant-refund');

    const balanceAfter = BigInt((await json(server, 'GET', '/v1/wallet', { token: payer.token })).body.available);
    assert.equal(balanceAfter, balanceBefore + 5_000n, "the refund is back in the payer's wallet");
    // The payer's wallet, in the browser too: the refund is the newest line of the history.
    const wallet = await walletPageFor(browser, server, server.demoPerson('13800000001'));
    try {
      await wallet.page.goto('/app/wallet/#/history');
      const lines = wallet.page.getByTestId('statement').locator('.adm-list-item');
      await lines.first().waitFor();
      const newest = await lines.first().innerText();
      assert.match(newest, /退款 · 老王水果店/, 'the wallet names the refund and the shop');
      assert.match(newest, /\+¥50\.00/);
      await saveScreenshot(wallet.page, 'wallet-refund');
    } finally {
      await wallet.context.close();
    }
    const order = await json(server, 'GET', `/v1/admin/search?q=${encodeURIComponent('老王')}`);
    assert.equal(order.status, 401, 'the operator API still wants its token');
  });

  test('stores with their codes and the printable stand', async () => {
    await page.getByRole('link', { name: '门店与收款码' }).click();
    const card = page.locator('.code-card').first();
    await card.waitFor();
    await page.waitForFunction('[...document.images].every((image) => image.complete && image.naturalWidth > 0)');
    await page.locator('input[name=store-name]').fill('国贸店');
    await page.locator('input[name=city]').fill('北京');
    await page.getByRole('button', { name: '新增门店' }).click();
    await page.locator('.panel', { hasText: '国贸店' }).getByRole('button', { name: '生成收款码' }).click();
    await page.locator('.panel', { hasText: '国贸店' }).locator('.code-card').waitFor();
    await saveScreenshot(page, 'merchant-stores');

    const standUrl = await card.getByRole('link', { name: '打印台卡' }).getAttribute('href');
    assert.ok(standUrl);
    const stand = await context.newPage();
    await stand.setViewportSize({ width: 600, height: 860 });
    const response = await stand.goto(standUrl);
    assert.equal(response?.status(), 200);
    assert.match(response?.headers()['content-type'] ?? '', /image\/svg\+xml/);
    await saveScreenshot(stand, 'merchant-stand');
    await stand.close();

    const download = page.waitForEvent('download');
    await card.getByRole('button', { name: '下载 PNG' }).click();
    const png = await download;
    assert.match(png.suggestedFilename(), /^stand-s.+\.png$/);
  });

  test('settlements and the day’s bill, credentials, and the webhook log with re-send', async () => {
    await page.getByRole('link', { name: '结算与对账单' }).click();
    const downloading = page.waitForEvent('download');
    await page.getByTestId('bill-download').click();
    const bill = await downloading;
    const path = await bill.path();
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(path, 'utf8');
    assert.ok(csv.includes(orderId), csv);
    assert.match(bill.suggestedFilename(), /^trade-bill-.+\.csv$/);
    await saveScreenshot(page, 'merchant-settlements');

    await page.getByRole('link', { name: 'API 凭证' }).click();
    await page.locator('[data-app-id]').waitFor();
    assert.match(await page.locator('pre').last().innerText(), /BEGIN PUBLIC KEY/);
    await saveScreenshot(page, 'merchant-credentials');

    await page.getByRole('link', { name: '通知记录' }).click();
    const row = page.locator('tr[data-event-id]').first();
    await row.waitFor();
    await row.getByRole('button', { name: '重新发送' }).click();
    await row.getByRole('button', { name: '已重新排队' }).waitFor();
    await saveScreenshot(page, 'merchant-webhooks');

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('columnheader', { name: 'Out trade no.' }).waitFor();
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('button', { name: '退出' }).click();
    await page.locator('input[name=login]').waitFor();
  });
});
