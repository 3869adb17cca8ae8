// Masking: the documented shapes for phones, names, ID and card numbers, and short inputs that
// must not end up shown in full.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskCardNumber, maskIdNumber, maskName, maskPhone } from './mask.js';

test('maskPhone keeps the first three and last four digits', () => {
  assert.equal(maskPhone('13812345678'), '138****5678');
  assert.equal(maskPhone('+8613812345678'), '+86*******5678');
  assert.equal(maskPhone('1234567'), '*******');
  assert.equal(maskPhone(''), '');
});

test('maskName shows only the last character, one star per hidden character', () => {
  assert.equal(maskName('张三'), '*三');
  assert.equal(maskName('欧阳娜娜'), '***娜');
  assert.equal(maskName('李'), '李');
  assert.equal(maskName('John Smith'), '*********h');
  assert.equal(maskName('𠮷野家'), '**家'); // 𠮷 is outside the BMP: one code point, one star
  assert.equal(maskName('家𠮷'), '*𠮷');
  assert.equal(maskName(''), '');
});

test('maskIdNumber keeps the first and last character', () => {
  assert.equal(maskIdNumber('110101199003074578'), '1****************8');
  assert.equal(maskIdNumber('11010519491231002X'), '1****************X');
  assert.equal(maskIdNumber('12'), '**');
});

test('maskCardNumber keeps the last four digits', () => {
  assert.equal(maskCardNumber('6222021234567890123'), '**** 0123');
  assert.equal(maskCardNumber('6222 0212 3456 7890 123'), '**** 0123');
  assert.equal(maskCardNumber('4111-1111-1111-1111'), '**** 1111');
  assert.equal(maskCardNumber('1234'), '****');
});
