// Field cipher: round trips, a fresh IV per value, refusal of every kind of tampering and of the
// wrong key, the blind index, and master-key parsing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createFieldCipher, parseMasterKey } from './field-cipher.js';

const MASTER_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const cipher = createFieldCipher(MASTER_KEY);

test('encrypt then decrypt returns the plaintext, including empty and non-ASCII text', () => {
  for (const plain of ['', '11010519491231002X', '欧阳娜娜', '🧧 red packet', 'x'.repeat(10_000)]) {
    const sealed = cipher.encrypt(plain);
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
    assert.equal(cipher.decrypt(sealed), plain);
  }
});

test('each encryption uses a fresh IV, so equal plaintexts do not look equal', () => {
  const first = cipher.encrypt('6222021234567890123');
  const second = cipher.encrypt('6222021234567890123');
  assert.notEqual(first, second);
  assert.notEqual(first.split('.')[1], second.split('.')[1]);
});

test('decrypt with another cipher over the same key works; another key is refused', () => {
  const sealed = cipher.encrypt('张三');
  assert.equal(createFieldCipher(Buffer.from(MASTER_KEY)).decrypt(sealed), '张三');
  assert.throws(() => createFieldCipher(randomBytes(32)).decrypt(sealed), /failed authentication/);
});

function flipFirstByte(part: string): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

test('decrypt refuses tampering with each part', () => {
  const sealed = cipher.encrypt('110101199003074578');
  const [version = '', iv = '', tag = '', ciphertext = ''] = sealed.split('.');
  const tampered = [
    ['v2', iv, tag, ciphertext],
    [version, flipFirstByte(iv), tag, ciphertext],
    [version, iv, flipFirstByte(tag), ciphertext],
    [version, iv, tag, flipFirstByte(ciphertext)],
    [version, iv, tag, ciphertext.slice(0, -2)], // truncated ciphertext
    [version, iv, tag, ciphertext + 'AA'], // extended ciphertext
    [version, iv, tag.slice(0, -1) + (tag.endsWith('A') ? 'B' : 'A'), ciphertext], // last char, maybe only padding bits
    [version, iv.slice(0, -1), tag, ciphertext],
    [version, iv, tag, ciphertext + '='],
  ];
  for (const parts of tampered) assert.throws(() => cipher.decrypt(parts.join('.')), Error, parts.join('.'));
  for (const malformed of ['', 'v1', `v1.${iv}.${tag}`, `${sealed}.extra`, sealed.replaceAll('.', ':')]) {
    assert.throws(() => cipher.decrypt(malformed), /format/);
  }
});

test('blindIndex is deterministic per key and differs across plaintexts and keys', () => {
  const index = cipher.blindIndex('13812345678');
  assert.match(index, /^[0-9a-f]{64}$/);
  assert.equal(createFieldCipher(Buffer.from(MASTER_KEY)).blindIndex('13812345678'), index);
  assert.notEqual(cipher.blindIndex('13812345679'), index);
  assert.notEqual(createFieldCipher(randomBytes(32)).blindIndex('13812345678'), index);
});

test('createFieldCipher insists on a 32-byte master key', () => {
  assert.throws(() => createFieldCipher(Buffer.alloc(16)), RangeError);
  assert.throws(() => createFieldCipher(Buffer.alloc(33)), RangeError);
});

test('parseMasterKey accepts hex and base64 forms of 32 bytes', () => {
  const hex = MASTER_KEY.toString('hex');
  for (const text of [
    hex,
    hex.toUpperCase(),
    `  ${hex}\n`,
    MASTER_KEY.toString('base64'),
    MASTER_KEY.toString('base64url'),
  ]) {
    const result = parseMasterKey(text);
    assert.ok(result.ok, text);
    assert.deepEqual(result.value, MASTER_KEY);
  }
});

test('parseMasterKey refuses other lengths and spellings without echoing the value', () => {
  const hex = MASTER_KEY.toString('hex');
  const refused = [
    '',
    hex.slice(0, 62),
    `${hex}00`,
    `${hex.slice(0, 63)}g`,
    randomBytes(16).toString('base64'),
    randomBytes(48).toString('base64'),
    `${MASTER_KEY.toString('base64').slice(0, 20)}*${MASTER_KEY.toString('base64').slice(21)}`,
    `${MASTER_KEY.toString('base64').slice(0, 42)}9=`, // '8' → '9' only sets unused trailing bits
  ];
  for (const text of refused) {
    const result = parseMasterKey(text);
    assert.ok(!result.ok, text);
    assert.equal(result.error.code, 'invalid_config');
    assert.match(result.error.message, /64 hex characters or 44 base64 characters/);
    if (text.length > 0) assert.ok(!result.error.message.includes(text));
  }
});
