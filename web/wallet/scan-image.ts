// Reading a QR code in the browser with jsQR: from camera frames, and from an uploaded photo or
// screenshot (the fallback where there is no camera, or no permission to use it).

/** Photos are scaled down to this many pixels on the long side: jsQR is quick and still reads a code filling a tenth of the frame. */
const DECODE_SIDE_PIXELS_MAX = 1_280;

export type QrDecoder = (canvas: HTMLCanvasElement, inverted: 'dontInvert' | 'attemptBoth') => string | null;

/** The decoder, loaded with the Scan screen rather than with the whole app. */
export async function loadQrDecoder(): Promise<QrDecoder> {
  const { default: jsQR } = await import('jsqr');
  return (canvas, inverted) => {
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context || canvas.width === 0 || canvas.height === 0) return null;
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: inverted })?.data ?? null;
  };
}

/** Draws `source` into `canvas`, scaled to at most DECODE_SIDE_PIXELS_MAX on its long side. */
export function drawScaled(canvas: HTMLCanvasElement, source: CanvasImageSource, width: number, height: number): void {
  const scale = Math.min(1, DECODE_SIDE_PIXELS_MAX / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  canvas.getContext('2d', { willReadFrequently: true })?.drawImage(source, 0, 0, canvas.width, canvas.height);
}

/** The QR text in an image file, or null when none is found (or the file is not an image). */
export async function decodeQrFile(file: Blob): Promise<string | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null;
  }
  const canvas = document.createElement('canvas');
  drawScaled(canvas, bitmap, bitmap.width, bitmap.height);
  bitmap.close();
  return (await loadQrDecoder())(canvas, 'attemptBoth');
}
