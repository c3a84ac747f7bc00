/**
 * PNG container and scanline filters (PNG spec, 2nd ed.): the 8-byte signature, chunks
 * (`length, type, data, CRC-32 of type + data`) and the five per-row filters. Shared by the PNG
 * codec and the APNG encoder. Chunk reading checks every length against the file and every CRC.
 */
import { crc32 } from './crc32';

/** Any malformed, corrupt, unsupported or oversized PNG. */
export class PngError extends Error {
  override name = 'PngError';
}

/** The signature every PNG starts with. */
export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Largest chunk length the spec allows (2^31 − 1). */
const MAX_CHUNK = 0x7fffffff;

/** One chunk as read from a file; `data` is a view into the file. */
export interface PngChunk {
  type: string;
  data: Uint8Array;
}

/** Serialises one chunk with its length and CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Splits a PNG into chunks, up to and including IEND; throws {@link PngError} on any damage. */
export function readPngChunks(bytes: Uint8Array): PngChunk[] {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b))
    throw new PngError('not a PNG file (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  for (let p = 8; ;) {
    if (p + 12 > bytes.length)
      throw new PngError(`file is truncated: it ends at byte ${bytes.length} before the IEND chunk`);
    const length = view.getUint32(p);
    const typeBytes = bytes.subarray(p + 4, p + 8);
    const type = String.fromCharCode(...typeBytes);
    if (!/^[A-Za-z]{4}$/.test(type))
      throw new PngError(`chunk at byte ${p} has an invalid type ${JSON.stringify(type)}`);
    if (length > MAX_CHUNK || p + 12 + length > bytes.length)
      throw new PngError(
        `${type} chunk at byte ${p} claims ${length} bytes, past the end of the ${bytes.length}-byte file`,
      );
    const stored = view.getUint32(p + 8 + length);
    const actual = crc32(bytes.subarray(p + 4, p + 8 + length));
    if (stored !== actual)
      throw new PngError(
        `${type} chunk at byte ${p} is corrupt: CRC ${actual.toString(16)} ≠ stored ${stored.toString(16)}`,
      );
    chunks.push({ type, data: bytes.subarray(p + 8, p + 8 + length) });
    if (type === 'IEND') return chunks;
    p += 12 + length;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Filters `height` rows of `rowBytes` bytes (pixels `bpp` bytes apart) into PNG scanlines, each
 * prefixed by its filter type. Each row gets the filter with the smallest sum of absolute signed
 * residuals, libpng's heuristic, which usually compresses best.
 */
export function filterScanlines(raw: Uint8Array, height: number, rowBytes: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * (rowBytes + 1));
  const candidate = new Uint8Array(rowBytes);
  const zero = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * rowBytes, (y + 1) * rowBytes);
    const up = y > 0 ? raw.subarray((y - 1) * rowBytes, y * rowBytes) : zero;
    let best = Infinity;
    for (let type = 0; type < 5; type++) {
      let cost = 0;
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? row[i - bpp] : 0;
        const c = i >= bpp ? up[i - bpp] : 0;
        const predictor =
          type === 0
            ? 0
            : type === 1
              ? a
              : type === 2
                ? up[i]
                : type === 3
                  ? (a + up[i]) >> 1
                  : paeth(a, up[i], c);
        const v = (row[i] - predictor) & 0xff;
        candidate[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < best) {
        best = cost;
        out[y * (rowBytes + 1)] = type;
        out.set(candidate, y * (rowBytes + 1) + 1);
      }
    }
  }
  return out;
}

/**
 * Reverses the filters in place on `height` scanlines starting at `offset` (each a filter byte
 * plus `rowBytes`); returns nothing, throws {@link PngError} for an unknown filter type.
 */
export function unfilterScanlines(
  data: Uint8Array,
  offset: number,
  height: number,
  rowBytes: number,
  bpp: number,
): void {
  const stride = rowBytes + 1;
  for (let y = 0; y < height; y++) {
    const start = offset + y * stride + 1;
    const prev = start - stride;
    const type = data[start - 1];
    const first = y === 0;
    switch (type) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < rowBytes; i++)
          data[start + i] = (data[start + i] + data[start + i - bpp]) & 0xff;
        break;
      case 2:
        if (!first)
          for (let i = 0; i < rowBytes; i++) data[start + i] = (data[start + i] + data[prev + i]) & 0xff;
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? data[start + i - bpp] : 0;
          data[start + i] = (data[start + i] + ((a + (first ? 0 : data[prev + i])) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? data[start + i - bpp] : 0;
          const b = first ? 0 : data[prev + i];
          const c = first || i < bpp ? 0 : data[prev + i - bpp];
          data[start + i] = (data[start + i] + paeth(a, b, c)) & 0xff;
        }
        break;
      default:
        throw new PngError(`scanline ${y} has filter type ${type}; only 0–4 exist`);
    }
  }
}
