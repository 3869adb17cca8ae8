// The printable stand of a static collection code: an A6-proportioned card with the provider's
// colour, "scan to pay" in Chinese and English, the merchant's and the store's names and the QR of
// the code's URL. SVG, so it prints sharp at any size; the portal turns it into a PNG in the
// browser (a canvas) for those who want a file.
import { qrSvg } from '../acquiring/code-images.js';

export interface StandInput {
  merchantName: string;
  storeName: string | null;
  /** What the QR holds: the code's URL. */
  codeUrl: string;
  /** Shown small under the QR, for a cashier to read out when a scan fails. */
  code: string;
  providerName: string;
  providerNameZh: string;
  /** The provider's colour (`#RRGGBB`). */
  colour: string;
}

const WIDTH = 600;
const HEIGHT = 860;
const QR_SIZE = 400;
const QR_TOP = 262;
const NAME_CHARACTERS_MAX = 24;

const PROVIDER_COLOURS: Readonly<Record<string, string>> = { bluepay: '#1677ff', greenpay: '#07a35a' };
export const standColourOf = (providerId: string): string => PROVIDER_COLOURS[providerId] ?? '#333333';

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const shorten = (text: string) =>
  text.length > NAME_CHARACTERS_MAX ? `${text.slice(0, NAME_CHARACTERS_MAX - 1)}…` : text;

/** The stand as a standalone SVG document. */
export async function standSvg(input: StandInput): Promise<string> {
  if (!/^#[0-9a-fA-F]{6}$/.test(input.colour)) throw new RangeError(`not a colour: ${input.colour}`);
  // qrcode's SVG is a whole <svg> with a viewBox; nested, it scales into the box given here.
  const qr = (await qrSvg(input.codeUrl)).replace(
    '<svg ',
    `<svg x="${(WIDTH - QR_SIZE) / 2}" y="${QR_TOP}" width="${QR_SIZE}" height="${QR_SIZE}" `,
  );
  const font = `font-family="'PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif"`;
  const store = input.storeName === null ? '' : escapeXml(shorten(input.storeName));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" rx="28" fill="${input.colour}"/>`,
    `<text x="${WIDTH / 2}" y="80" text-anchor="middle" fill="#fff" font-size="44" font-weight="bold" ${font}>扫码付款</text>`,
    `<text x="${WIDTH / 2}" y="122" text-anchor="middle" fill="#fff" font-size="24" ${font}>Scan to pay · ${escapeXml(input.providerNameZh)} ${escapeXml(input.providerName)}</text>`,
    `<rect x="40" y="150" width="${WIDTH - 80}" height="${HEIGHT - 190}" rx="20" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="200" text-anchor="middle" fill="#222" font-size="34" font-weight="bold" ${font}>${escapeXml(shorten(input.merchantName))}</text>`,
    store === ''
      ? ''
      : `<text x="${WIDTH / 2}" y="236" text-anchor="middle" fill="#666" font-size="22" ${font}>${store}</text>`,
    qr,
    `<text x="${WIDTH / 2}" y="${QR_TOP + QR_SIZE + 34}" text-anchor="middle" fill="#999" font-size="18" font-family="monospace">${escapeXml(input.code)}</text>`,
    `<text x="${WIDTH / 2}" y="${HEIGHT - 96}" text-anchor="middle" fill="#666" font-size="20" ${font}>请使用 Saoma 钱包扫一扫</text>`,
    `<text x="${WIDTH / 2}" y="${HEIGHT - 68}" text-anchor="middle" fill="#999" font-size="17" ${font}>Open a Saoma wallet and scan</text>`,
    '</svg>',
  ].join('\n');
}
