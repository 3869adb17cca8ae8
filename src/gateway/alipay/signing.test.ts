// Alipay's signatures without a server: the published notification vector (as the SDK and as our
// own code check it), response envelopes the SDK accepts, the v3 Authorization header, amounts.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { AlipaySdk } from 'alipay-sdk';
import {
  classicEnvelope,
  contentToSign,
  notificationContent,
  parseV3Authorization,
  signText,
  v3ResponseHeaders,
  v3SignedText,
  verifyClassicRequest,
  verifyText,
} from './signing.js';
import { beijingTime, parseYuan, tradeStatusOf } from './wire.js';

// The vector from the protocol notes (shared/protocols/alipay.md), copied so the project stands alone.
const VECTOR_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB';
const VECTOR_TEXT =
  'app_id=2019073166072302&auth_app_id=2019073166072302&buyer_id=2088102534368455&buyer_logon_id=xud***@126.com&buyer_pay_amount=0.10&charset=utf-8&fund_bill_list=[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]&gmt_create=2019-08-15 15:56:22&gmt_payment=2019-08-15 15:56:24&invoice_amount=0.10&notify_id=2019081500222155624068450559358070&notify_time=2019-08-15 15:56:25&notify_type=trade_status_sync&out_trade_no=20190815155618536-564-57&point_amount=0.00&receipt_amount=0.10&seller_email=z97-yuquerevenue@service.aliyun.com&seller_id=2088531891668739&subject=语雀空间 500人规模&total_amount=0.10&trade_no=2019081522001468450512505578&trade_status=TRADE_SUCCESS&version=1.0';
const VECTOR_SIGNATURE =
  'QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==';
const vectorPem = `-----BEGIN PUBLIC KEY-----\n${VECTOR_PUBLIC_KEY.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;

/** The vector's text back as the form fields it came from (its values hold no '&'). */
const vectorFields = (): Record<string, string> =>
  Object.fromEntries(
    VECTOR_TEXT.split('&').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );

const appKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const appPrivatePem = appKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const sdkWith = (alipayPublicKey: string) =>
  new AlipaySdk({ appId: '2021000000000001', privateKey: appPrivatePem, keyType: 'PKCS8', alipayPublicKey });

describe('Alipay notification vector', () => {
  test('our sign text of the fields is the published text, and it verifies without sign and sign_type', () => {
    const fields = { ...vectorFields(), sign_type: 'RSA2', sign: VECTOR_SIGNATURE };
    assert.equal(notificationContent(fields), VECTOR_TEXT);
    assert.equal(verifyText(notificationContent(fields), VECTOR_SIGNATURE, vectorPem), true);
    assert.equal(verifyText(contentToSign(fields, ['sign']), VECTOR_SIGNATURE, vectorPem), false);
  });

  test('the SDK verifies it with checkNotifySignV2, and refuses it with one character changed', () => {
    const sdk = sdkWith(VECTOR_PUBLIC_KEY);
    const fields = { ...vectorFields(), sign_type: 'RSA2', sign: VECTOR_SIGNATURE };
    assert.equal(sdk.checkNotifySignV2(fields), true);
    assert.equal(sdk.checkNotifySignV2({ ...fields, total_amount: '0.11' }), false);
  });
});

describe('classic signatures', () => {
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platformPem = platform.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  test('a response envelope passes the SDK own check, byte for byte, with Chinese text and slashes', () => {
    const inner = { code: '10000', msg: 'Success', qr_code: 'http://127.0.0.1:1/c/oAbc', subject: '苹果 "5" 斤' };
    const body = classicEnvelope('alipay_trade_precreate_response', inner, platform.privateKey, 'RSA2');
    const parsed = JSON.parse(body) as { sign: string; alipay_trade_precreate_response: unknown };
    assert.deepEqual(parsed.alipay_trade_precreate_response, inner);
    const sdk = sdkWith(platformPem);
    assert.doesNotThrow(() => sdk.checkResponseSign(body, 'alipay_trade_precreate_response', parsed.sign, 't'));
    const tampered = body.replace('10000', '10001');
    assert.throws(() => sdk.checkResponseSign(tampered, 'alipay_trade_precreate_response', parsed.sign, 't'));
  });

  test('a request signed with empty values verifies as the Node SDK and as the Java SDK write it', () => {
    const params = { app_id: '1', method: 'm', notify_url: '', sign_type: 'RSA2', timestamp: '2026-01-01 00:00:00' };
    const node = signText(contentToSign(params, ['sign']), appKeys.privateKey);
    const java = signText(contentToSign(params, ['sign'], { dropEmpty: true }), appKeys.privateKey);
    assert.ok(verifyClassicRequest({ ...params, sign: node }, appKeys.publicKey, 'RSA2').ok);
    assert.ok(verifyClassicRequest({ ...params, sign: java }, appKeys.publicKey, 'RSA2').ok);
    const wrong = verifyClassicRequest({ ...params, method: 'n', sign: node }, appKeys.publicKey, 'RSA2');
    assert.deepEqual(wrong.ok ? null : wrong.error.message, contentToSign({ ...params, method: 'n' }, []));
    assert.equal(verifyClassicRequest({ ...params, sign: 'not base64!' }, appKeys.publicKey, 'RSA2').ok, false);
  });
});

describe('v3 Authorization', () => {
  test('splits at the last ,sign= and reads app_id, nonce and timestamp among other items', () => {
    const header =
      'ALIPAY-SHA256withRSA app_id=2021000000000001,app_cert_sn=abc,nonce=0f1e2d3c-aaaa-bbbb,timestamp=1767225600000,expired_seconds=60,sign=a,sign=b==';
    const parsed = parseV3Authorization(header);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, {
      authString:
        'app_id=2021000000000001,app_cert_sn=abc,nonce=0f1e2d3c-aaaa-bbbb,timestamp=1767225600000,expired_seconds=60,sign=a',
      appId: '2021000000000001',
      nonce: '0f1e2d3c-aaaa-bbbb',
      timestampMs: 1_767_225_600_000,
      signature: 'b==',
    });
    assert.equal(parseV3Authorization(undefined).ok, false);
    assert.equal(parseV3Authorization('Bearer x').ok, false);
    assert.equal(
      parseV3Authorization('ALIPAY-SHA256withRSA app_id=1,nonce=abcdefgh,timestamp=1767225600000').ok,
      false,
    );
    assert.equal(parseV3Authorization('ALIPAY-SHA256withRSA app_id=1,nonce=abcdefgh,timestamp=soon,sign=x').ok, false);
  });

  test('the signed text adds the app auth token line only when one was sent; response headers verify', () => {
    const base = { authString: 'app_id=1', method: 'post', pathWithQuery: '/v3/alipay/trade/query?a=1', body: '{}' };
    assert.equal(v3SignedText(base), 'app_id=1\nPOST\n/v3/alipay/trade/query?a=1\n{}\n');
    assert.equal(
      v3SignedText({ ...base, appAuthToken: 'tok' }),
      'app_id=1\nPOST\n/v3/alipay/trade/query?a=1\n{}\ntok\n',
    );
    const headers = v3ResponseHeaders('{"a":1}', appKeys.privateKey, 1_767_225_600_000);
    const text = `${headers['alipay-timestamp']}\n${headers['alipay-nonce']}\n{"a":1}\n`;
    assert.equal(verifyText(text, headers['alipay-signature']!, appKeys.publicKey), true);
  });
});

describe('amounts, times and statuses', () => {
  test('yuan strings with at most two decimals, numbers by their spelling; the rest refused', () => {
    const good: [unknown, bigint][] = [
      ['0.01', 1n],
      ['12.5', 1250n],
      ['12.50', 1250n],
      ['100000000.00', 10_000_000_000n],
      [88.88, 8888n],
      [1, 100n],
    ];
    for (const [text, fen] of good) assert.deepEqual(parseYuan(text), { ok: true, value: fen }, String(text));
    for (const bad of [
      '0.001',
      '-1',
      'abc',
      0,
      '0',
      '0.00',
      '01.00',
      '1.',
      '.5',
      '1e3',
      ' 1',
      '100000000.01',
      0.1 + 0.2,
      null,
      {},
    ]) {
      assert.equal(parseYuan(bad).ok, false, JSON.stringify(bad));
    }
  });

  test('Beijing time and the trade statuses (fully refunded is closed)', () => {
    assert.equal(beijingTime(Date.UTC(2026, 0, 1, 16, 30, 5)), '2026-01-02 00:30:05');
    const order = { amountFen: 100n, refundedFen: 0n };
    assert.equal(tradeStatusOf({ ...order, status: 'USERPAYING' }), 'WAIT_BUYER_PAY');
    assert.equal(tradeStatusOf({ ...order, status: 'SUCCESS' }), 'TRADE_SUCCESS');
    assert.equal(tradeStatusOf({ ...order, status: 'REFUND', refundedFen: 40n }), 'TRADE_SUCCESS');
    assert.equal(tradeStatusOf({ ...order, status: 'REFUND', refundedFen: 100n }), 'TRADE_CLOSED');
    assert.equal(tradeStatusOf({ ...order, status: 'CLOSED' }), 'TRADE_CLOSED');
  });
});
