// The console's phone search as a range of the phone index: the range holds exactly the phones
// that begin with the digits typed, nines and all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { phonePrefixRange } from './queries.js';

const inRange = (phone: string, range: ReturnType<typeof phonePrefixRange>) =>
  phone >= range.from && (range.before === null || phone < range.before);

test('a phone prefix becomes the range up to the prefix with its last digit raised', () => {
  assert.deepEqual(phonePrefixRange('138'), { from: '138', before: '139' });
  assert.deepEqual(phonePrefixRange('1399'), { from: '1399', before: '14' });
  assert.deepEqual(phonePrefixRange('13800000009'), { from: '13800000009', before: '1380000001' });
  assert.deepEqual(phonePrefixRange('999'), { from: '999', before: null });
});

test('the range holds a phone exactly when the phone begins with the prefix', () => {
  const phones = [
    '13799999999',
    '13800000000',
    '13899999999',
    '13900000000',
    '13990000000',
    '13999999999',
    '14000000000',
    '19999999999',
  ];
  for (let n = 0; n < 500; n += 1) phones.push(`1${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
  const prefixes = ['137', '138', '1389', '139', '1399', '13999999999', '199', '1999', '140', '100'];
  for (const prefix of prefixes) {
    const range = phonePrefixRange(prefix);
    for (const phone of phones) {
      assert.equal(inRange(phone, range), phone.startsWith(prefix), `${phone} against ${prefix}`);
    }
  }
});
