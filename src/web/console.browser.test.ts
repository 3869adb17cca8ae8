// The operator console in a real browser against a real `saoma` server with the demo network:
// the token screen (a wrong token refused), the network page whose live chart counts payments made
// while it polls, the reserve balances, a search, the real-name list and the audit. Screenshots go
// to docs/screens/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  BROWSER_WAIT_MS,
  browserSkipReason,
  launchChromium,
  saveScreenshot,
  startWebServer,
  type WebTestServer,
} from '../testing/browser.js';

const skip = browserSkipReason() ?? false;

describe('operator console in Chromium', { skip }, () => {
  let server: WebTestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startWebServer();
    browser = await launchChromium();
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    context.setDefaultTimeout(BROWSER_WAIT_MS);
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Payments by a demo person to the demo fruit shop, through the wallet API. */
  async function pay(count: number, prefix: string): Promise<void> {
    const person = server.demoPerson('13800000001');
    const logged = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: person.phone, password: person.password, provider: person.provider }),
    });
    const token = ((await logged.json()) as { session: { token: string } }).session.token;
    const shop = server.demo.merchantPortal.find((entry) => entry.provider === 'bluepay')!;
    for (let index = 0; index < count; index += 1) {
      const paid = await fetch(`${server.url}/v1/codes/${shop.collectionCode}/pay`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'idempotency-key': `${prefix}-${index}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ amount: String(100 + index) }),
      });
      assert.equal(paid.status, 201, await paid.text());
    }
  }

  test('the token, the live network page, balances, search, the real-name list and the audit', async () => {
    await page.goto('/app/console/');
    await page.locator('input[name=token]').fill('not-the-operator-token');
    await page.getByRole('button', { name: '进入' }).click();
    await page.locator('[data-error-code=unauthorized]').waitFor();
    await page.locator('input[name=token]').fill(server.adminToken);
    await page.getByRole('button', { name: '进入' }).click();
    await page.getByTestId('balances').waitFor();

    await pay(12, 'console-a');
    await page
      .getByTestId('live-total')
      .filter({ hasText: /共 1[2-9] 笔|共 [2-9][0-9] 笔/ })
      .waitFor();
    await pay(6, 'console-b');
    await page
      .getByTestId('live-total')
      .filter({ hasText: /共 1[89] 笔|共 [2-9][0-9] 笔/ })
      .waitFor();
    await page.waitForTimeout(1_200);
    await saveScreenshot(page, 'console-network');
    assert.match(await page.getByTestId('balances').innerText(), /平衡/);

    await page.getByRole('link', { name: '查询' }).click();
    await page.locator('input[name=q]').fill('水果');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByTestId('merchant-results').filter({ hasText: '老王水果店' }).waitFor();
    await page.locator('input[name=q]').fill('138000');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByTestId('user-results').filter({ hasText: '13800000001' }).waitFor();
    await saveScreenshot(page, 'console-search');

    await page.getByRole('link', { name: '实名列表' }).click();
    await page.getByTestId('reviews').filter({ hasText: '张伟' }).waitFor();
    assert.doesNotMatch(
      await page.getByTestId('reviews').innerText(),
      /陈静/,
      'a class I user has no real name to list',
    );
    await saveScreenshot(page, 'console-reviews');

    await page.getByRole('link', { name: '账务审计' }).click();
    await page.getByTestId('audit-result').filter({ hasText: '账务审计通过' }).waitFor();
    await saveScreenshot(page, 'console-audit');

    await page.getByRole('button', { name: '退出' }).click();
    await page.locator('input[name=token]').waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0, 'the token is gone from the tab');
  });
});
