// Codes drawn in the browser: QR with `qrcode`, Code 128 with bwip-js — so a payment code shows
// at once and refreshes without fetching images.
import QRCode from 'qrcode';
import { useEffect, useRef, useState } from 'react';

/** A QR of `text`; error correction M survives a scuffed screen and keeps the symbol small. */
export function QrImage({ text, sizePixels, label }: { text: string; sizePixels: number; label: string }) {
  const [dataUrl, setDataUrl] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: sizePixels * 2 }).then(
      (url) => current && setDataUrl(url),
      () => current && setDataUrl(null),
    );
    return () => {
      current = false;
    };
  }, [text, sizePixels]);
  return (
    <div className="qr" style={{ width: sizePixels, height: sizePixels }}>
      {dataUrl && <img src={dataUrl} alt={label} width={sizePixels} height={sizePixels} data-qr-text={text} />}
    </div>
  );
}

/** A numeric payment code as Code 128, the digits left to the caption (bwip-js would draw them as outlines). */
export function Code128({ digits, label }: { digits: string; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let current = true;
    // bwip-js knows a hundred symbologies (about 1 MB): loaded when a barcode is first shown.
    void import('bwip-js/browser').then(({ default: bwipjs }) => {
      if (!current || !canvas.current) return;
      // Millimetre height and a scale that keeps the narrowest bar at 2 pixels: readable off a phone.
      bwipjs.toCanvas(canvas.current, { bcid: 'code128', text: digits, scale: 2, height: 14, includetext: false });
    });
    return () => {
      current = false;
    };
  }, [digits]);
  return <canvas ref={canvas} className="barcode" role="img" aria-label={label} />;
}

/** "28 1234 5678 9012 3456": the prefix, then groups of four, as a cashier reads it out. */
export function groupPaymentCode(code: string): string {
  return `${code.slice(0, 2)} ${code.slice(2).replace(/(\d{4})(?=\d)/g, '$1 ')}`;
}
