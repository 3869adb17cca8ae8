// The signature scheme without HTTP: the signed string spelled out, a known-answer vector that
// OpenSSL reproduces, verification against every change, header parsing and key registration.
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  bodySha256Hex,
  canonicalRequest,
  checkTimestamp,
  CLOCK_SKEW_MAX_MS,
  decodeSignature,
  parsePublicKey,
  readSignatureHeaders,
  signRequest,
  verifySignature,
  type KeyAlgorithm,
  type RequestToSign,
} from './signature.js';

// Ed25519 signatures are deterministic, so this vector is fixed; `openssl pkeyutl -sign -rawin`
// over the same string with the same key gives the same signature.
const VECTOR_PRIVATE_KEY_PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f',
  '-----END PRIVATE KEY-----',
].join('\n');
const VECTOR_PUBLIC_KEY_PEM = [
  '-----BEGIN PUBLIC KEY-----',
  'MCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=',
  '-----END PUBLIC KEY-----',
].join('\n');
const VECTOR_REQUEST: RequestToSign = {
  method: 'POST',
  pathWithQuery: '/v1/merchant/orders?lang=zh',
  appId: 'app_test_1',
  timestampMs: 1_767_225_600_000,
  nonce: 'n0nce-0123456789abcdef',
  body: '{"out_trade_no":"A1","amount_fen":"1250"}',
};
const VECTOR_SIGNED_STRING =
  'POST\n/v1/merchant/orders?lang=zh\napp_test_1\n1767225600000\nn0nce-0123456789abcdef\n' +
  '7ab812f44579c7327a6b4b3eff182c3bd4e3c1c206911fa9982d65834810e338\n';
const VECTOR_SIGNATURE = 'iQpY0o8pKzM116bv150OYHmkhTlHX69mu/hIdfdN9RmM9beqmPJopQ5VMuWGS79ZOs7tGA8voEMBnl7EX+zhDQ==';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed25519 = generateKeyPairSync('ed25519');
const publicPem = (key: KeyObject): string => key.export({ format: 'pem', type: 'spki' }).toString();
const privatePem = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }).toString();

/** Signs `request` with `privateKey` and verifies the headers against `publicKey` for `changed`. */
function signsAndVerifies(
  algorithm: KeyAlgorithm,
  keys: { privateKey: KeyObject; publicKey: KeyObject },
  request: RequestToSign,
  changed: RequestToSign = request,
): boolean {
  const headers = signRequest({ ...request, privateKeyPem: privatePem(keys.privateKey) });
  const read = readSignatureHeaders(lowerCased(headers));
  assert.ok(read.ok);
  return verifySignature({
    algorithm,
    publicKeyPem: publicPem(keys.publicKey),
    canonical: canonicalRequest(changed),
    signature: read.value.signature,
  });
}

const lowerCased = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

describe('the signed string', () => {
  test('is six LF-terminated lines: method, path with query, app id, timestamp, nonce, body SHA-256', () => {
    assert.equal(canonicalRequest(VECTOR_REQUEST), VECTOR_SIGNED_STRING);
    assert.equal(
      canonicalRequest({ ...VECTOR_REQUEST, method: 'get', body: undefined }),
      VECTOR_SIGNED_STRING.replace('POST', 'GET').replace(/[0-9a-f]{64}\n$/, bodySha256Hex('') + '\n'),
    );
  });

  test('hashes the exact bytes: the empty body, and a string as UTF-8', () => {
    assert.equal(bodySha256Hex(undefined), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(bodySha256Hex('{"subject":"咖啡"}'), bodySha256Hex(Buffer.from('{"subject":"咖啡"}', 'utf8')));
    assert.notEqual(bodySha256Hex('{"a":1}'), bodySha256Hex('{ "a": 1 }'));
  });

  test('the Ed25519 known-answer vector', () => {
    const headers = signRequest({ ...VECTOR_REQUEST, privateKeyPem: VECTOR_PRIVATE_KEY_PEM });
    assert.deepEqual(headers, {
      'Saoma-App-Id': 'app_test_1',
      'Saoma-Timestamp': '1767225600000',
      'Saoma-Nonce': 'n0nce-0123456789abcdef',
      'Saoma-Signature': VECTOR_SIGNATURE,
    });
    // Checked by Node's own primitive over the literal string, not through the module's helpers.
    const signature = Buffer.from(VECTOR_SIGNATURE, 'base64');
    assert.ok(verify(null, Buffer.from(VECTOR_SIGNED_STRING), VECTOR_PUBLIC_KEY_PEM, signature));
    const parsed = parsePublicKey(VECTOR_PUBLIC_KEY_PEM);
    assert.ok(parsed.ok);
    assert.equal(parsed.value.algorithm, 'ed25519');
  });
});

for (const [algorithm, keys] of [
  ['rsa', rsa],
  ['ed25519', ed25519],
] as const) {
  describe(`${algorithm} signatures`, () => {
    const request: RequestToSign = { ...VECTOR_REQUEST, timestampMs: 1_767_225_600_123 };

    test('verify for the request signed', () => {
      assert.equal(signsAndVerifies(algorithm, keys, request), true);
    });

    test('fail for any change to what was signed', () => {
      const changes: Partial<RequestToSign>[] = [
        { method: 'PUT' },
        { pathWithQuery: '/v1/merchant/orders?lang=en' },
        { pathWithQuery: '/v1/merchant/orders' },
        { pathWithQuery: '/v1/merchant/refunds?lang=zh' },
        { appId: 'app_test_2' },
        { timestampMs: request.timestampMs + 1 },
        { nonce: 'n0nce-0123456789abcdeF' },
        { body: '{"out_trade_no":"A1","amount_fen":"1251"}' },
        { body: undefined },
      ];
      for (const change of changes) {
        assert.equal(
          signsAndVerifies(algorithm, keys, request, { ...request, ...change }),
          false,
          JSON.stringify(change),
        );
      }
    });

    test('fail under another key of the same kind', () => {
      const other =
        algorithm === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const headers = signRequest({ ...request, privateKeyPem: other.privateKey });
      const signature = Buffer.from(headers['Saoma-Signature']!, 'base64');
      const canonical = canonicalRequest(request);
      assert.equal(
        verifySignature({ algorithm, publicKeyPem: publicPem(keys.publicKey), canonical, signature }),
        false,
      );
      assert.equal(
        verifySignature({ algorithm, publicKeyPem: publicPem(other.publicKey), canonical, signature }),
        true,
      );
    });

    test('fail, without throwing, for signatures of any length', () => {
      const canonical = canonicalRequest(request);
      for (const length of [0, 1, 63, 64, 65, 255, 256, 257, 1024]) {
        const signature = Buffer.alloc(length, 7);
        assert.equal(
          verifySignature({ algorithm, publicKeyPem: publicPem(keys.publicKey), canonical, signature }),
          false,
        );
      }
    });
  });
}

test('a key whose type differs from its row is a broken invariant, not a refusal', () => {
  const canonical = canonicalRequest(VECTOR_REQUEST);
  const signature = Buffer.from(VECTOR_SIGNATURE, 'base64');
  assert.throws(() => verifySignature({ algorithm: 'rsa', publicKeyPem: VECTOR_PUBLIC_KEY_PEM, canonical, signature }));
});

describe('the headers', () => {
  const valid = {
    'saoma-app-id': 'app_test_1',
    'saoma-timestamp': '1767225600000',
    'saoma-nonce': 'n0nce-0123456789abcdef',
    'saoma-signature': VECTOR_SIGNATURE,
  };

  test('are read when each is present once and well formed', () => {
    const read = readSignatureHeaders(valid);
    assert.ok(read.ok);
    assert.equal(read.value.appId, 'app_test_1');
    assert.equal(read.value.timestampMs, 1_767_225_600_000);
    assert.equal(read.value.nonce, 'n0nce-0123456789abcdef');
    assert.equal(read.value.signature.toString('base64'), VECTOR_SIGNATURE);
  });

  test('a missing, repeated or malformed header is refused with its name', () => {
    const cases: [Record<string, string | string[] | undefined>, RegExp][] = [
      [{ 'saoma-app-id': undefined }, /Saoma-App-Id header is missing/],
      [{ 'saoma-timestamp': undefined }, /Saoma-Timestamp header is missing/],
      [{ 'saoma-nonce': undefined }, /Saoma-Nonce header is missing/],
      [{ 'saoma-signature': undefined }, /Saoma-Signature header is missing/],
      [{ 'saoma-signature': '' }, /Saoma-Signature header is missing/],
      [{ 'saoma-app-id': 'app test' }, /Saoma-App-Id header must be/],
      [{ 'saoma-app-id': 'a'.repeat(129) }, /Saoma-App-Id header must be/],
      [{ 'saoma-timestamp': '1767225600000.5' }, /Saoma-Timestamp header must be Unix time in milliseconds/],
      [{ 'saoma-timestamp': '-1' }, /Saoma-Timestamp/],
      [{ 'saoma-timestamp': '01767225600000' }, /Saoma-Timestamp/],
      [{ 'saoma-timestamp': '9'.repeat(16) }, /Saoma-Timestamp/],
      [{ 'saoma-nonce': 'short' }, /Saoma-Nonce header must be 16–64/],
      [{ 'saoma-nonce': 'n'.repeat(65) }, /Saoma-Nonce/],
      [{ 'saoma-nonce': 'n0nce 0123456789abcdef' }, /Saoma-Nonce/],
      [{ 'saoma-nonce': ['n0nce-0123456789abcdef', 'n0nce-0123456789abcdeg'] }, /Saoma-Nonce header must be sent once/],
      [{ 'saoma-signature': 'not base64!' }, /Saoma-Signature header must be standard base64/],
      [{ 'saoma-signature': VECTOR_SIGNATURE.replace(/=+$/, '') }, /standard base64 with padding/],
      [{ 'saoma-signature': VECTOR_SIGNATURE.replace(/\+/g, '-').replace(/\//g, '_') }, /standard base64/],
      [{ 'saoma-signature': 'A'.repeat(1404) }, /standard base64/],
    ];
    for (const [change, message] of cases) {
      const read = readSignatureHeaders({ ...valid, ...change });
      assert.equal(read.ok, false, JSON.stringify(change));
      assert.equal(read.error.code, 'signature_invalid');
      assert.match(read.error.message, message);
    }
  });

  test('base64 must be canonical: other trailing bits of the same bytes are refused', () => {
    assert.ok(decodeSignature('QQ==').ok);
    assert.equal(decodeSignature('QR==').ok, false);
  });
});

describe('the timestamp', () => {
  const nowMs = 1_767_225_600_000;
  const oneSecondMs = 1000;

  test('is accepted within five minutes either way, inclusive', () => {
    for (const offsetMs of [0, CLOCK_SKEW_MAX_MS, -CLOCK_SKEW_MAX_MS, 299 * oneSecondMs, -299 * oneSecondMs]) {
      assert.ok(checkTimestamp(nowMs + offsetMs, nowMs).ok, String(offsetMs));
    }
  });

  test('is refused past five minutes, behind or ahead, with the offset', () => {
    const old = checkTimestamp(nowMs - CLOCK_SKEW_MAX_MS - 1, nowMs);
    assert.equal(old.ok, false);
    assert.equal(old.error.code, 'signature_expired');
    assert.match(old.error.message, /300 s behind the server clock/);
    const ahead = checkTimestamp(nowMs + CLOCK_SKEW_MAX_MS + oneSecondMs, nowMs);
    assert.equal(ahead.ok, false);
    assert.match(ahead.error.message, /301 s ahead of the server clock/);
  });

  test('in seconds is refused with a hint', () => {
    const inSeconds = checkTimestamp(nowMs / 1000, nowMs);
    assert.equal(inSeconds.ok, false);
    assert.match(inSeconds.error.message, /looks like seconds: send milliseconds/);
  });
});

describe('registering a public key', () => {
  test('accepts RSA-2048 and Ed25519 SPKI PEM, in one spelling whatever the line endings', () => {
    const rsaPem = publicPem(rsa.publicKey);
    const parsed = parsePublicKey(`\n  ${rsaPem.replace(/\n/g, '\r\n')}  \n`);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, { algorithm: 'rsa', pem: rsaPem });
    const edPem = publicPem(ed25519.publicKey);
    assert.deepEqual(parsePublicKey(edPem), { ok: true, value: { algorithm: 'ed25519', pem: edPem } });
  });

  test('refuses RSA-1024 with its size', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const refused = parsePublicKey(publicPem(small.publicKey));
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, 'invalid_public_key');
    assert.match(refused.error.message, /the RSA key has 1024 bits; use 2048–8192 bits/);
  });

  test('refuses other kinds of key, private keys, PKCS#1, SSH keys and junk, each with a sentence', () => {
    const cases: [string, RegExp][] = [
      [publicPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), /ec keys are not accepted/],
      [publicPem(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey), /rsa-pss keys are not accepted/],
      [publicPem(generateKeyPairSync('ed448').publicKey), /ed448 keys are not accepted/],
      [privatePem(ed25519.privateKey), /this is a private key/],
      [rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(), /this is a private key/],
      [rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }).toString(), /send the public key as SPKI PEM/],
      ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', /does not decode to a public key/],
      ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA… merchant@example', /send the public key as SPKI PEM/],
      ['', /send the public key as SPKI PEM/],
      ['A'.repeat(10_000), /longer than 8192 characters/],
    ];
    for (const [pem, message] of cases) {
      const refused = parsePublicKey(pem);
      assert.equal(refused.ok, false, pem.slice(0, 40));
      assert.equal(refused.error.code, 'invalid_public_key');
      assert.match(refused.error.message, message);
    }
  });
});

describe('signRequest', () => {
  test('makes a fresh, well-formed nonce for each request when none is given', () => {
    const input = { ...VECTOR_REQUEST, privateKeyPem: ed25519.privateKey };
    const first = signRequest(input);
    const second = signRequest({ ...input, nonce: undefined });
    const third = signRequest({ ...input, nonce: undefined });
    assert.equal(first['Saoma-Nonce'], VECTOR_REQUEST.nonce);
    assert.match(second['Saoma-Nonce']!, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(second['Saoma-Nonce'], third['Saoma-Nonce']);
  });

  test("refuses the caller's own mistakes instead of sending a request bound to fail", () => {
    const input = { ...VECTOR_REQUEST, privateKeyPem: ed25519.privateKey };
    assert.throws(() => signRequest({ ...input, nonce: 'short' }), /nonce/);
    assert.throws(() => signRequest({ ...input, pathWithQuery: 'v1/orders' }), /pathWithQuery/);
    assert.throws(() => signRequest({ ...input, timestampMs: 1.5 }), /timestampMs/);
    assert.throws(() => signRequest({ ...input, appId: 'app id' }), /app id/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.throws(() => signRequest({ ...input, privateKeyPem: ec.privateKey }), /cannot sign with a ec key/);
  });
});
