// Webhook signatures: what the platform signs verifies with its public key, and any change to the
// method, path, timestamp, nonce, body or event id, another key, or a stale timestamp is refused.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  signWebhook,
  verifyWebhook,
  webhookCanonical,
  WEBHOOK_CLOCK_SKEW_MAX_MS,
  type ReceivedWebhook,
} from './webhook-signature.js';

const NOW_MS = Date.UTC(2026, 0, 1);
const EVENT_ID = 'evt_AAAAAAAAAAAAAAAAAAAAAA';
const BODY = JSON.stringify({
  id: EVENT_ID,
  type: 'trade.success',
  created_at: '2026-01-01T00:00:00.000Z',
  merchant_id: 'mch_1',
  data: { amount: '1' },
});
const keys = generateKeyPairSync('ed25519');
const publicKeyPem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();

function signed(overrides: Partial<ReceivedWebhook> = {}): ReceivedWebhook {
  const headers = signWebhook({
    privateKey: keys.privateKey,
    eventId: EVENT_ID,
    url: new URL('https://shop.example/hooks/saoma?shop=1'),
    body: BODY,
    timestampMs: NOW_MS,
  });
  return {
    publicKey: publicKeyPem,
    method: 'POST',
    pathWithQuery: '/hooks/saoma?shop=1',
    headers,
    body: BODY,
    nowMs: NOW_MS,
    ...overrides,
  };
}

const refusal = (received: ReceivedWebhook) => {
  const verified = verifyWebhook(received);
  return verified.ok ? 'accepted' : verified.error.code;
};

test('the signed string: five lines, the body as its SHA-256 hex', () => {
  assert.equal(
    webhookCanonical({ pathWithQuery: '/n?a=1', timestampMs: 1767225600000, nonce: 'abcdefghijklmnop', body: '' }),
    'POST\n/n?a=1\n1767225600000\nabcdefghijklmnop\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n',
  );
});

test('a signed webhook verifies and names its event; header names in any case', () => {
  const received = signed();
  const verified = verifyWebhook(received);
  assert.ok(verified.ok, JSON.stringify(verified));
  assert.equal(verified.value.eventId, EVENT_ID);
  assert.equal(verified.value.type, 'trade.success');
  assert.deepEqual(verified.value.event.data, { amount: '1' });
  const upperCased = Object.fromEntries(
    Object.entries(received.headers).map(([name, value]) => [name.toUpperCase(), value]),
  );
  assert.equal(refusal({ ...received, headers: upperCased }), 'accepted');
  assert.equal(refusal({ ...received, body: Buffer.from(BODY) }), 'accepted');
});

test('any change, another key, or a missing header is refused', () => {
  const received = signed();
  const otherKey = generateKeyPairSync('ed25519').publicKey;
  assert.equal(refusal({ ...received, body: BODY.replace('"1"', '"100"') }), 'webhook_signature_invalid');
  assert.equal(refusal({ ...received, pathWithQuery: '/hooks/saoma?shop=2' }), 'webhook_signature_invalid');
  assert.equal(refusal({ ...received, method: 'PUT' }), 'webhook_signature_invalid');
  assert.equal(refusal({ ...received, publicKey: otherKey }), 'webhook_signature_invalid');
  for (const name of Object.keys(received.headers)) {
    const { [name]: _dropped, ...rest } = received.headers;
    assert.equal(refusal({ ...received, headers: rest }), 'webhook_signature_invalid', name);
  }
  const changed = (name: string, value: string) =>
    refusal({ ...received, headers: { ...received.headers, [name]: value } });
  assert.equal(changed('Saoma-Nonce', 'x'.repeat(32)), 'webhook_signature_invalid');
  assert.equal(changed('Saoma-Timestamp', String(NOW_MS + 1)), 'webhook_signature_invalid');
  assert.equal(
    changed('Saoma-Event-Id', 'evt_BBBBBBBBBBBBBBBBBBBBBB'),
    'webhook_signature_invalid',
    'the header and the body name one event',
  );
});

test('a timestamp more than five minutes off either way is refused as expired', () => {
  assert.equal(refusal(signed({ nowMs: NOW_MS + WEBHOOK_CLOCK_SKEW_MAX_MS })), 'accepted');
  assert.equal(refusal(signed({ nowMs: NOW_MS + WEBHOOK_CLOCK_SKEW_MAX_MS + 1 })), 'webhook_signature_expired');
  assert.equal(refusal(signed({ nowMs: NOW_MS - WEBHOOK_CLOCK_SKEW_MAX_MS - 1 })), 'webhook_signature_expired');
});
