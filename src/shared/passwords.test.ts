// Secret hashing: the stored format, verification against it, refusal of unknown or hostile
// formats, and the token and digest helpers.
import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { test } from 'node:test';
import { hashSecret, newToken, sha256Hex, verifySecret } from './passwords.js';

test('hashSecret stores scrypt$N$r$p$salt$hash with a fresh salt each time', async () => {
  const first = await hashSecret('correct horse battery staple');
  const second = await hashSecret('correct horse battery staple');
  const parts = first.split('$');
  assert.equal(parts.length, 6);
  assert.deepEqual(parts.slice(0, 4), ['scrypt', '16384', '8', '1']);
  assert.equal(Buffer.from(parts[4] ?? '', 'base64').length, 16);
  assert.equal(Buffer.from(parts[5] ?? '', 'base64').length, 32);
  assert.notEqual(first, second);
});

test('verifySecret accepts the secret and refuses anything else', async () => {
  const stored = await hashSecret('123456');
  assert.equal(await verifySecret('123456', stored), true);
  assert.equal(await verifySecret('123457', stored), false);
  assert.equal(await verifySecret('', stored), false);
  assert.equal(await verifySecret('123456 ', stored), false);
});

test('verifySecret treats composed and decomposed Unicode as the same secret', async () => {
  const stored = await hashSecret('caf\u00e9');
  assert.equal(await verifySecret('cafe\u0301', stored), true);
});

test('verifySecret reads the parameters from the stored value', async () => {
  // A row written with cheaper, older parameters still verifies.
  const salt = Buffer.from('0123456789abcdef');
  const key = scryptSync('old pin', salt, 24, { N: 1024, r: 4, p: 2 });
  const stored = `scrypt$1024$4$2$${salt.toString('base64')}$${key.toString('base64')}`;
  assert.equal(await verifySecret('old pin', stored), true);
  assert.equal(await verifySecret('new pin', stored), false);
});

test('verifySecret returns false for unknown, malformed or hostile formats', async () => {
  const stored = await hashSecret('secret');
  const [, , , , salt = '', hash = ''] = stored.split('$');
  const flipped = Buffer.from(hash, 'base64');
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  const malformed = [
    '',
    'secret',
    `bcrypt$16384$8$1$${salt}$${hash}`,
    `scrypt$16384$8$1$${salt}`,
    `scrypt$16384$8$1$${salt}$${hash}$extra`,
    `scrypt$16383$8$1$${salt}$${hash}`, // N not a power of two
    `scrypt$1073741824$8$1$${salt}$${hash}`, // N too large to be honest
    `scrypt$16384$0$1$${salt}$${hash}`,
    `scrypt$16384$8$1000$${salt}$${hash}`,
    `scrypt$016384$8$1$${salt}$${hash}`,
    `scrypt$16384$8$1$${salt}$not base64!`,
    `scrypt$16384$8$1$${salt}$${hash.slice(0, 8)}`, // key too short
    `scrypt$16384$8$1$${salt}$${flipped.toString('base64')}`,
  ];
  for (const value of malformed) assert.equal(await verifySecret('secret', value), false, value);
});

test('newToken is base64url of the requested number of random bytes', () => {
  const token = newToken();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(token, 'base64url').length, 32);
  assert.equal(Buffer.from(newToken(16), 'base64url').length, 16);
  assert.notEqual(newToken(), newToken());
  assert.throws(() => newToken(0), RangeError);
  assert.throws(() => newToken(1.5), RangeError);
});

test('sha256Hex', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
