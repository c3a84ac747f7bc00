/**
 * The image decoder where there is no browser (the command line): PNG through the lab's own
 * decoder (`io/png.ts`, tested against files an independent Python writer made and PIL read).
 * JPEG and WebP are refused by name: their decoders are the browser's.
 */
import { decodePng, toEightBit } from '../io/png';
import { sniffImage, type DecodeImage } from './decode';

/** Decodes a PNG of any colour type and depth to 8-bit RGBA (gray spread to RGB, opaque where there is no alpha). */
export const decodePngImage: DecodeImage = async (bytes) => {
  const format = sniffImage(bytes);
  if (format !== 'png')
    throw new Error(
      format
        ? `${format.toUpperCase()} images are decoded only in the browser; convert them to PNG for the command line`
        : 'not a PNG, JPEG or WebP image',
    );
  const { width, height, channels, data } = toEightBit(decodePng(bytes));
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const px = data.subarray(p * channels, (p + 1) * channels);
    const [r, g, b] = channels < 3 ? [px[0], px[0], px[0]] : [px[0], px[1], px[2]];
    const a = channels === 2 ? px[1] : channels === 4 ? px[3] : 255;
    rgba.set([r, g, b, a], p * 4);
  }
  return { width, height, data: rgba };
};
