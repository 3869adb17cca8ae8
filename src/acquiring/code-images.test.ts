// Code images: QR PNGs decode back to the exact text, SVGs are drawn, Code 128 images are real PNGs
// and carry their digits as text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { code128Png, code128Svg, qrPng, qrSvg } from './code-images.js';
import { buildMpm } from './emv-qr.js';

// jsqr is CommonJS with an ES-style default: under NodeNext the default import is the whole module.
const jsQR = jsQRModule.default;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

function saomaCode(): string {
  const built = buildMpm({
    initiation: 'dynamic',
    merchantAccount: { templateId: '26', globallyUniqueId: 'com.saoma', fields: { '01': 'C8KQ2M7XPZ' } },
    mcc: '5812',
    currencyNumeric: '156',
    amount: '12.50',
    countryCode: 'CN',
    merchantName: 'Lao Wang Noodles',
    merchantCity: 'Shanghai',
    alternateLanguage: { language: 'zh', name: '老王面馆', city: '上海' },
  });
  if (!built.ok) assert.fail(built.error.message);
  return built.value;
}

test('a collection-code URL survives QR PNG → decode exactly', async () => {
  const url = 'http://127.0.0.1:3000/c/abc123';
  const png = await qrPng(url);
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  assert.equal(decodeQr(png), url);
});

test('an EMV payload with Chinese in template 64 survives QR PNG → decode exactly', async () => {
  const emv = saomaCode();
  assert.equal(decodeQr(await qrPng(emv, { scale: 4, marginModules: 4 })), emv);
});

test('scale and margin set the image size', async () => {
  const small = PNG.sync.read(await qrPng('saoma', { scale: 2, marginModules: 0 }));
  const large = PNG.sync.read(await qrPng('saoma', { scale: 4, marginModules: 4 }));
  // Same symbol (21 modules for version 1): 2 px a module and no margin, then 4 px a module and 4 each side.
  assert.equal(small.width, 21 * 2);
  assert.equal(large.width, (21 + 8) * 4);
});

test('nonsense sizes are programmer errors', async () => {
  await assert.rejects(qrPng('x', { scale: 0 }), RangeError);
  await assert.rejects(qrPng('x', { scale: 1.5 }), RangeError);
  await assert.rejects(qrPng('x', { marginModules: -1 }), RangeError);
});

test('the QR SVG is an SVG with a path', async () => {
  const svg = await qrSvg('http://127.0.0.1:3000/c/abc123');
  assert.match(svg.trimStart(), /^(<\?xml|<svg)/);
  assert.match(svg, /<path\b/);
  assert.match(svg, /<\/svg>\s*$/);
});

test('the Code 128 PNG is a PNG of sensible size', async () => {
  const png = await code128Png('281234567890123456');
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  const image = PNG.sync.read(png);
  assert.ok(image.width > image.height, `a bar code is wider than tall (${image.width}×${image.height})`);
});

test('the Code 128 SVG draws bars and carries the digits as text', () => {
  const digits = '281234567890123456';
  const svg = code128Svg(digits);
  assert.match(svg, /^<svg\b/);
  assert.match(svg, /<path\b/);
  assert.ok(svg.includes(`<title>${digits}</title>`));
  assert.ok(svg.includes(`aria-label="${digits}"`));
});

test('Code 128 takes digits only', async () => {
  assert.throws(() => code128Svg('28123456789012345x'), RangeError);
  assert.throws(() => code128Svg(''), RangeError);
  assert.throws(() => code128Svg('1'.repeat(49)), RangeError);
  await assert.rejects(async () => code128Png('12 34'), RangeError);
});
