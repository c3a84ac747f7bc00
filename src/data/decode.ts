/**
 * The image-decoding seam. Parsers stay pure TypeScript; decoding PNG/JPEG/WebP needs the
 * browser (`browserDecode.ts`), and Node tests inject their own decoder through this interface.
 */

/** A decoded image: RGBA bytes, not premultiplied, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Decodes one encoded image; throws (any error) when the bytes are not a decodable image. */
export type DecodeImage = (bytes: Uint8Array, name: string) => Promise<DecodedImage>;

/** Encoded image formats the lab accepts, recognised by their magic numbers. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** The format of encoded image bytes, or `undefined` if they are not PNG, JPEG or WebP. */
export function sniffImage(bytes: Uint8Array): ImageFormat | undefined {
  const at = (i: number, ...values: number[]) => values.every((v, k) => bytes[i + k] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  return undefined;
}
