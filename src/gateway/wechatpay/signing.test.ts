// WeChat Pay v3's crypto pieces on their own: the published notification decryption vector, the
// Authorization header in any pair order, and signatures that the real SDK's helpers accept.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import {
  decryptResource,
  encryptResource,
  parseAuthorization,
  platformHeaders,
  requestMessage,
  responseMessage,
  verifyRsa,
} from './signing.js';

// The vector of shared/protocols/wechatpay-v3.md, copied so that the project stands alone.
const VECTOR = {
  key: '0123456789abcdef0123456789abcdef',
  nonce: 'fdasflkja484',
  associatedData: 'transaction',
  ciphertext:
    'DUcegK33A8MEOgdCtMPWwAdqzVjy3c3BTENCdjZ/7K2gOkdL0pBpKZrSO4KcjLkLW6SrqBdzgGy/sMCWIPKVQdMoXuk4xWshZxJ+TQ0cGt1TrgDStkhUySWwM7ObD8LTQwqfyBiL0j4bGTSmNRMIzUWUdCAagusGnnisNS8Q+cZAcubz9S48ZjOb8Gf8y5HIDb2ndIYUfLR4BmTMW6PWnNvq2Qikbx2kS9sD1vERGokXLi1DyxIfipZ1XdRCCU/qr6gXMiBOSVRVz5HZyabJUC8uiHNwLZ0gze1i3FQgfUktKO7aZIn+FZjc2tuWyg96Swgk7DMttm8I6tfo1ku9Mwz+RQ9w7PeveOufBlog8QtwXAWqbX5CSIiFX3vO15oH7gX/LBQ3ZLtVK1oH3nx4e0waxmZQZ49ujdbV/wdatSly9nrupKVko16xzdWZnMlygcw1Kggj49BT2opGYF2ZXaEE/SRiVbKMHk+OyTGOsIYezW+Ig683aXDcImVQXcRHGQdlz/1zylwRYnLBe1YwUFqoBZ07fH8ArVy+OCoXtyoN/7Gl7TTNwtiN',
  plaintext:
    '{"mchid":"1900000001","appid":"wx0000000000000001","out_trade_no":"N20240101A","transaction_id":"4200000000202401010000000001","trade_type":"NATIVE","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2024-01-01T12:00:00+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":1,"payer_total":1,"currency":"CNY","payer_currency":"CNY"}}',
};

describe('WeChat Pay v3 crypto', () => {
  test('the published notification vector decrypts to its plaintext, with our code and with the SDK', () => {
    const resource = { ciphertext: VECTOR.ciphertext, associated_data: VECTOR.associatedData, nonce: VECTOR.nonce };
    assert.deepEqual(decryptResource(resource, VECTOR.key), { ok: true, value: VECTOR.plaintext });
    assert.equal(
      Aes.AesGcm.decrypt(VECTOR.ciphertext, VECTOR.key, VECTOR.nonce, VECTOR.associatedData),
      VECTOR.plaintext,
    );
  });

  test('a wrong key, nonce, associated data or one changed byte does not decrypt', () => {
    const resource = { ciphertext: VECTOR.ciphertext, associated_data: VECTOR.associatedData, nonce: VECTOR.nonce };
    const tampered = Buffer.from(VECTOR.ciphertext, 'base64');
    tampered[5] = tampered[5]! ^ 1;
    for (const [changed, key] of [
      [{ ...resource, nonce: 'fdasflkja485' }, VECTOR.key],
      [{ ...resource, associated_data: 'refund' }, VECTOR.key],
      [{ ...resource, ciphertext: tampered.toString('base64') }, VECTOR.key],
      [resource, 'X123456789abcdef0123456789abcdef'],
    ] as const) {
      assert.equal(decryptResource(changed, key).ok, false);
    }
  });

  test('what we encrypt, the SDK decrypts (12-character nonce, tag appended)', () => {
    const sealed = encryptResource('{"a":"支付"}', VECTOR.key, 'refund');
    assert.equal(sealed.nonce.length, 12);
    assert.equal(sealed.algorithm, 'AEAD_AES_256_GCM');
    assert.equal(Aes.AesGcm.decrypt(sealed.ciphertext, VECTOR.key, sealed.nonce, 'refund'), '{"a":"支付"}');
  });

  test('Authorization pairs are read in any order; missing, repeated or malformed ones are SIGN_ERROR', () => {
    const fields = {
      mchid: '1900000001',
      serial_no: 'ABC123',
      timestamp: '1767225600',
      nonce_str: 'n0nce',
      signature: 'c2ln',
    };
    const header = (pairs: [string, string][], scheme = 'WECHATPAY2-SHA256-RSA2048') =>
      `${scheme} ${pairs.map(([k, v]) => `${k}="${v}"`).join(',')}`;
    const pairs = Object.entries(fields);
    const expected = {
      mchid: '1900000001',
      serialNo: 'ABC123',
      timestampSeconds: 1767225600,
      nonce: 'n0nce',
      signature: 'c2ln',
    };
    assert.deepEqual(parseAuthorization(header(pairs)), { ok: true, value: expected });
    assert.deepEqual(parseAuthorization(header([...pairs].reverse())), { ok: true, value: expected });
    assert.deepEqual(parseAuthorization(header(pairs).replaceAll(',', ', ')), { ok: true, value: expected });
    for (const bad of [
      undefined,
      header(pairs, 'WECHATPAY2-SHA256-RSA'),
      header(pairs.slice(1)),
      header([...pairs, ['mchid', '2']]),
      header(pairs).replace('timestamp="1767225600"', 'timestamp="1767225600000x"'),
      header(pairs).replace('"c2ln"', '"not base64!"'),
      `${header(pairs)},junk`,
    ]) {
      const parsed = parseAuthorization(bad);
      assert.equal(parsed.ok, false, String(bad));
      assert.equal(!parsed.ok && parsed.error.code, 'SIGN_ERROR');
    }
  });

  test("the request text is the SDK's, and platform headers verify with the SDK over the body", () => {
    const message = requestMessage({
      method: 'get',
      pathWithQuery: '/v3/x?mchid=1',
      timestampSeconds: 1,
      nonce: 'n',
      body: null,
    });
    assert.equal(message.toString(), Formatter.request('GET', '/v3/x?mchid=1', 1, 'n', ''));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const body = '{"code_url":"http://x/c/o1"}';
    const headers = platformHeaders({ body, nowMs: 1_767_225_600_123, keyId: 'PUB_KEY_ID_1', privateKey });
    assert.equal(headers['Wechatpay-Timestamp'], '1767225600');
    assert.equal(headers['Wechatpay-Serial'], 'PUB_KEY_ID_1');
    const verified = Rsa.verify(
      Formatter.response(headers['Wechatpay-Timestamp']!, headers['Wechatpay-Nonce']!, body),
      headers['Wechatpay-Signature']!,
      publicKey,
    );
    assert.equal(verified, true);
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const signed = responseMessage(1767225600, headers['Wechatpay-Nonce']!, body);
    assert.equal(verifyRsa(signed, headers['Wechatpay-Signature']!, pem), true);
    assert.equal(
      verifyRsa(
        responseMessage(1767225600, headers['Wechatpay-Nonce']!, `${body} `),
        headers['Wechatpay-Signature']!,
        pem,
      ),
      false,
    );
    assert.equal(verifyRsa(signed, 'AAAA', pem), false);
  });
});
