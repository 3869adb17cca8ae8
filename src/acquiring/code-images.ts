// Images of the codes Saoma prints and shows: QR for collection codes and EMV payloads, Code 128 for
// the numeric payment codes a cashier's scanner reads off a phone.
import assert from 'node:assert/strict';
import bwipjs from 'bwip-js/node';
import QRCode from 'qrcode';

/** The QR standard's quiet zone: scanners need four blank modules around the symbol. */
export const QR_MARGIN_MODULES_DEFAULT = 4;
/** Eight pixels a module reads well on a phone screen and prints at a usable size. */
export const QR_SCALE_PIXELS_DEFAULT = 8;
const QR_SCALE_PIXELS_MAX = 64;
const QR_MARGIN_MODULES_MAX = 16;
/** Payment codes are 16–24 digits; the cap keeps a bar code short enough for a handheld scanner. */
const CODE128_DIGITS_MAX = 48;

// Level M survives about 15% damage (a scuffed sticker, a glare spot) and keeps the symbol small.
const QR_ERROR_CORRECTION = 'M';

function checkWholeNumber(name: string, value: number, minimum: number, maximum: number): void {
  // Callers pass these from code, not from users, so a bad one is a programmer error.
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new RangeError(`${name} must be a whole number from ${minimum} to ${maximum}, not ${value}`);
  }
}

/** A PNG of `text` as a QR code (byte segments carry UTF-8, so Chinese text survives). */
export async function qrPng(text: string, options: { scale?: number; marginModules?: number } = {}): Promise<Buffer> {
  const scale = options.scale ?? QR_SCALE_PIXELS_DEFAULT;
  const marginModules = options.marginModules ?? QR_MARGIN_MODULES_DEFAULT;
  checkWholeNumber('scale', scale, 1, QR_SCALE_PIXELS_MAX);
  checkWholeNumber('marginModules', marginModules, 0, QR_MARGIN_MODULES_MAX);
  return QRCode.toBuffer(text, {
    type: 'png',
    errorCorrectionLevel: QR_ERROR_CORRECTION,
    scale,
    margin: marginModules,
  });
}

/** An SVG of `text` as a QR code; it scales to any size, for print. */
export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: QR_ERROR_CORRECTION,
    margin: QR_MARGIN_MODULES_DEFAULT,
  });
}

function code128Options(digits: string): bwipjs.RenderOptions {
  if (!new RegExp(`^[0-9]{1,${CODE128_DIGITS_MAX}}$`).test(digits)) {
    throw new RangeError(
      `a payment code bar code takes 1 to ${CODE128_DIGITS_MAX} digits, not ${JSON.stringify(digits)}`,
    );
  }
  // Bar height is in millimetres; the digits underneath let a cashier type the code when a scan fails.
  return { bcid: 'code128', text: digits, scale: 3, height: 12, includetext: true, textxalign: 'center' };
}

/** A PNG of a numeric payment code as Code 128 with the digits printed underneath. */
export async function code128Png(digits: string): Promise<Buffer> {
  return bwipjs.toBuffer(code128Options(digits));
}

/**
 * An SVG of a numeric payment code as Code 128. bwip-js draws the digits as outlines, so a title and
 * an aria-label carry them as text for screen readers and for search.
 */
export function code128Svg(digits: string): string {
  const svg = bwipjs.toSVG(code128Options(digits));
  const labelled = svg.replace(/<svg\b([^>]*)>/, `<svg$1 role="img" aria-label="${digits}"><title>${digits}</title>`);
  assert.notEqual(labelled, svg, 'bwip-js returned an SVG without an <svg> element');
  return labelled;
}
