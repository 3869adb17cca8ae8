// The wallet in a real browser (Debian's Chromium through playwright-core) against a real
// `saoma` server with the demo network: the scenarios, step by step as a person would
// take them, and a screenshot of each main screen into docs/screens/. Skipped, with the reason,
// where no Chromium is installed or the web apps are not built.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  BROWSER_WAIT_MS,
  browserSkipReason,
  launchChromium,
  newPersonDetails,
  openBankAccount,
  openMerchant,
  openPhone,
  saveScreenshot,
  startWebServer,
  typePin,
  walletPageFor,
  type TestMerchant,
  type WebTestServer,
} from '../testing/browser.js';

const skip = browserSkipReason();

/** The wallet's balance on its home screen, in fen. */
async function homeBalanceFen(page: Page): Promise<bigint> {
  await page.goto('/app/wallet/#/');
  const text = await page.getByTestId('balance').filter({ hasText: '¥' }).innerText();
  return BigInt(text.replace(/[¥,.]/g, ''));
}

/** Writes the server's PNG of a collection code to a file, as a photo of a printed stand would be. */
async function codePicture(server: WebTestServer, code: string, directory: string): Promise<string> {
  const response = await fetch(`${server.url}/c/${code}/qr.png`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/png');
  const path = join(directory, `${code}.png`);
  writeFileSync(path, Buffer.from(await response.arrayBuffer()));
  return path;
}

describe('the wallet in a real browser', { skip: skip ?? false }, () => {
  let server: WebTestServer;
  let browser: Browser;
  let shop: TestMerchant;
  let pictures: string;

  before(async () => {
    server = await startWebServer();
    browser = await launchChromium();
    shop = await openMerchant(server, { name: '老王水果店', storeName: '东门店', city: '杭州' });
    pictures = mkdtempSync(join(tmpdir(), 'saoma-codes-'));
  });

  after(async () => {
    await browser?.close();
    rmSync(pictures, { recursive: true, force: true });
    if (server) {
      const audit = await server.saoma.ledger.audit();
      await server.close();
      assert.equal(audit.ok, true, 'the ledger audit passes after the browser tests');
    }
  });

  test('sign up → real name → link a card → top up → scan a static code from a picture → pay with the PIN → the portal refunds it → the wallet shows the refund', async () => {
    const person = newPersonDetails();
    const { page, context } = await openPhone(browser, server);
    await page.goto('/app/wallet/#/signup');
    await page.getByPlaceholder('13800000000').fill(person.phone);
    await page.getByPlaceholder('至少 8 位').fill(person.password);
    await page.getByPlaceholder('6 位数字').fill(person.pin);
    await page.locator('.adm-form-item').filter({ hasText: '确认支付密码' }).locator('input').fill(person.pin);
    await saveScreenshot(page, 'wallet-sign-up');
    await page.getByRole('button', { name: '注册' }).click();

    await page.getByText('实名认证', { exact: true }).first().waitFor();
    await page.locator('.adm-form-item').filter({ hasText: '姓名' }).locator('input').fill(person.name);
    await page.getByPlaceholder('110101199003070012').fill(person.idNumber);
    await saveScreenshot(page, 'wallet-real-name');
    await page.getByRole('button', { name: '提交认证' }).click();
    await page.getByText(`${person.name}，实名认证已完成`).waitFor();

    // The bank holds an account in the person's name; linking it raises the wallet to class III.
    const cardNumber = await openBankAccount(server, person, 1_000_000n);
    await page.getByRole('button', { name: '添加银行卡' }).click();
    await page.getByPlaceholder('6217 0000 0000 0000').fill(cardNumber);
    await page.locator('.adm-form-item').filter({ hasText: '预留手机号' }).locator('input').fill(person.phone);
    await page.getByRole('button', { name: '绑定', exact: true }).click();
    await page.getByText('已升级为三类账户').waitFor();

    await page.getByRole('button', { name: '充值' }).click();
    await page.getByRole('textbox', { name: '金额' }).fill('2000');
    await page.getByRole('button', { name: '充值', exact: true }).click();
    await typePin(page, person.pin);
    await page.getByTestId('money-done').filter({ hasText: '已充值 ¥2,000.00' }).waitFor();
    assert.equal(await homeBalanceFen(page), 200_000n);
    await saveScreenshot(page, 'wallet-home');

    // Scan: the camera is unavailable in a headless browser, so the picture of the code is uploaded.
    await page.goto('/app/wallet/#/scan');
    await page.getByText('此页面无法使用摄像头', { exact: false }).or(page.getByText('没有摄像头权限')).waitFor();
    await saveScreenshot(page, 'wallet-scan');
    await page.getByTestId('scan-upload').setInputFiles(await codePicture(server, shop.code, pictures));
    await page.getByTestId('payee-name').filter({ hasText: '老王水果店' }).waitFor();
    assert.equal(await page.getByTestId('payee-store').innerText(), '东门店 · 杭州');
    await page.getByRole('textbox', { name: '金额' }).fill('1200');
    await saveScreenshot(page, 'wallet-pay');
    // Above the ¥1,000 password-free limit the server asks for the PIN, and the pad opens.
    await page.getByRole('button', { name: '付款 ¥1,200.00' }).click();
    await page.getByText('向 老王水果店 付款 ¥1,200.00').waitFor();
    await saveScreenshot(page, 'wallet-pin');
    await typePin(page, person.pin);
    await page.getByTestId('paid').filter({ hasText: '已向 老王水果店 付款 ¥1,200.00' }).waitFor();
    await saveScreenshot(page, 'wallet-paid');

    assert.equal(await homeBalanceFen(page), 80_000n);
    await page.goto('/app/wallet/#/history');
    const lines = page.getByTestId('statement').locator('.adm-list-item');
    await lines.first().waitFor();
    const texts = await lines.allInnerTexts();
    assert.match(texts[0]!, /付款 · 老王水果店/, 'the newest line is the payment, to the merchant');
    assert.match(texts[0]!, /−¥1,200\.00/, 'one line for the whole amount (the fee is the merchant’s)');
    assert.ok(texts.some((text) => text.includes('充值') && text.includes('+¥2,000.00')));
    await saveScreenshot(page, 'wallet-history');
    await lines.first().click();
    await page.getByTestId('line-amount').waitFor();
    await saveScreenshot(page, 'wallet-history-line');

    // The merchant's side of the same payment: its owner logs in to the portal, finds the order
    // and refunds part of it …
    const owner = { login: `shop-${person.phone}@example.com`, password: 'portal-pass-1' };
    const made = await fetch(`${server.url}/v1/admin/merchants/${shop.merchant.id}/portal-users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ login: owner.login, name: '王老板', password: owner.password }),
    });
    assert.equal(made.status, 201, await made.text());
    const desk = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    desk.setDefaultTimeout(BROWSER_WAIT_MS);
    const portal = await desk.newPage();
    await portal.goto('/app/merchant/');
    await portal.locator('input[name=login]').fill(owner.login);
    await portal.locator('input[name=password]').fill(owner.password);
    await portal.getByRole('button', { name: '登录' }).click();
    await portal.getByRole('link', { name: '订单' }).click();
    await portal.locator('tbody tr').filter({ hasText: '1,200.00' }).first().click();
    await portal.locator('input[name=amount]').fill('200');
    await portal.getByRole('button', { name: '确认退款' }).click();
    await portal.getByTestId('refunds').filter({ hasText: '¥200.00' }).waitFor();
    await desk.close();

    // … and the wallet shows the refund.
    await page.goto('/app/wallet/#/');
    assert.equal(await homeBalanceFen(page), 100_000n);
    await page.goto('/app/wallet/#/history');
    await lines.first().filter({ hasText: '退款' }).waitFor();
    assert.match(await lines.first().innerText(), /退款 · 老王水果店[\s\S]*\+¥200\.00/);
    await context.close();
  });

  test('a group red packet is sent, then opened by two other people; everyone sees who got what', async () => {
    const sender = server.demoPerson('13800000001');
    const { page, context } = await walletPageFor(browser, server, sender);
    await page.goto('/app/wallet/#/red-packets');
    await page.locator('.adm-form-item').filter({ hasText: '总金额' }).locator('input').fill('10');
    await page.locator('.adm-form-item').filter({ hasText: '红包个数' }).locator('input').fill('2');
    await saveScreenshot(page, 'wallet-red-packet-send');
    await page.getByRole('button', { name: '塞钱进红包' }).click();
    await page.getByText('发红包 ¥10.00，共 2 个').waitFor();
    await typePin(page, sender.pin);
    const link = await page.getByTestId('packet-link').innerText();
    assert.match(link, /\/app\/wallet\/#\/red-packets\/rp_/);
    await saveScreenshot(page, 'wallet-red-packet-shared');

    const shares: bigint[] = [];
    for (const [index, phone] of ['13800000002', '13800000005'].entries()) {
      const opener = await walletPageFor(browser, server, server.demoPerson(phone));
      await opener.page.goto(link);
      await opener.page.getByTestId('envelope').waitFor();
      if (index === 0) await saveScreenshot(opener.page, 'wallet-red-packet-envelope');
      await opener.page.getByRole('button', { name: '開' }).click();
      const mine = await opener.page.getByTestId('my-share').innerText();
      shares.push(BigInt(mine.replace(/[¥,.]/g, '')));
      if (index === 1) {
        // The last share taken: the packet is over and the luckiest share is marked.
        await opener.page.getByTestId('luckiest').waitFor();
        await saveScreenshot(opener.page, 'wallet-red-packet-opened');
      }
      await opener.context.close();
    }
    assert.equal(shares[0]! + shares[1]!, 1_000n, 'the two shares make the whole packet');

    await page.reload();
    await page.getByText('已领取 2/2 个，共 ¥10.00/¥10.00').waitFor();
    const names = await page.locator('.shares .adm-list-item').allInnerTexts();
    assert.ok(names.some((text) => text.includes('*娜')));
    assert.ok(
      names.some((text) => text.includes('138****0005')),
      'a person without a real name shows as the masked phone',
    );
    await context.close();
  });

  test('a refused payment shows its reason: a wrong PIN with the tries left, too little money, a frozen account', async () => {
    const payer = server.demoPerson('13800000002');
    const { page, context } = await walletPageFor(browser, server, payer);
    await page.goto('/app/wallet/#/scan');
    await page.getByTestId('scan-upload').setInputFiles(await codePicture(server, shop.code, pictures));
    await page.getByRole('textbox', { name: '金额' }).fill('5000');
    await page.getByRole('button', { name: '付款 ¥5,000.00' }).click();
    await typePin(page, '000000');
    const inSheet = page.locator('.pin-sheet [role=alert]');
    await inSheet.filter({ hasText: '支付密码错误' }).waitFor();
    assert.match(await inSheet.innerText(), /4 tries left/);
    await saveScreenshot(page, 'wallet-wrong-pin');
    await typePin(page, payer.pin);
    const refusal = page.locator('[data-error-code=insufficient_balance]');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /余额不足/);
    assert.match(await refusal.innerText(), /does not cover ¥5000\.00/, "the server's sentence, with the amounts");
    await saveScreenshot(page, 'wallet-refused');

    // Frozen by the operator: money stops moving out, and the wallet says why.
    await server.saoma.modules.identity.setStatus(payer.user_id, 'frozen');
    try {
      await page.goto('/app/wallet/#/transfer');
      await page.getByPlaceholder('13800000002').fill('13800000001');
      await page.getByRole('button', { name: '下一步' }).click();
      await page.getByTestId('payee-name').filter({ hasText: '*伟' }).waitFor();
      await page.getByRole('textbox', { name: '金额' }).fill('1');
      await page.getByRole('button', { name: '确认转账' }).click();
      await typePin(page, payer.pin);
      await page.locator('[data-error-code=account_frozen]').filter({ hasText: '账户已冻结' }).waitFor();
    } finally {
      await server.saoma.modules.identity.setStatus(payer.user_id, 'active');
    }
    await context.close();
  });

  test('every main screen shows its content (and a screenshot of each for the README)', async () => {
    const person = server.demoPerson('13800000001');
    const { page, context } = await walletPageFor(browser, server, person);

    await page.goto('/app/wallet/#/paycode');
    const digits = await page.getByTestId('payment-code').innerText();
    assert.match(digits, /^28 \d{4} \d{4} \d{4} \d{4}$/, 'a BluePay code, grouped as a cashier reads it');
    await page.getByText('¥1,000.00 以内免密支付').waitFor();
    await page.getByRole('img', { name: '付款二维码' }).waitFor();
    await saveScreenshot(page, 'wallet-pay-code');

    await page.goto('/app/wallet/#/receive');
    const receiveQr = page.getByRole('img', { name: '个人收款码' });
    assert.match((await receiveQr.getAttribute('data-qr-text')) ?? '', /\/c\/p/);
    await saveScreenshot(page, 'wallet-receive');

    await page.goto('/app/wallet/#/cards');
    await page.getByTestId('bank-card').first().waitFor();
    assert.equal(await page.getByTestId('bank-card').count(), 2);
    await saveScreenshot(page, 'wallet-cards');

    await page.goto('/app/wallet/#/withdraw');
    await page.getByRole('textbox', { name: '金额' }).fill('25000');
    await page.getByRole('button', { name: '计算手续费' }).click();
    // ¥20,000 of the free quota is left: ¥5,000 is charged at 0.1%.
    assert.equal(await page.getByTestId('quote-fee').innerText(), '¥5.00');
    await saveScreenshot(page, 'wallet-withdraw-quote');

    await page.goto('/app/wallet/#/transfer');
    await page.getByPlaceholder('13800000002').fill('13800000002');
    await page.getByRole('button', { name: '下一步' }).click();
    await page.getByTestId('payee-name').filter({ hasText: '*娜' }).waitFor();
    await page.getByRole('textbox', { name: '金额' }).fill('25');
    await saveScreenshot(page, 'wallet-transfer');
    await page.getByRole('button', { name: '确认转账' }).click();
    await typePin(page, person.pin);
    await page.getByTestId('transferred').filter({ hasText: '已向 *娜 转账 ¥25.00' }).waitFor();

    await page.goto('/app/wallet/#/me');
    await page.getByText('三类账户').waitFor();
    await saveScreenshot(page, 'wallet-me');

    // English at a switch, remembered across a reload.
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByText('Class III').waitFor();
    await page.reload();
    await page.getByText('Log out').waitFor();
    await page.goto('/app/wallet/#/');
    await page.getByText('Scan', { exact: true }).waitFor();
    await saveScreenshot(page, 'wallet-home-english');
    await context.close();
  });
});
