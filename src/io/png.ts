/**
 * PNG images (PNG spec, 2nd ed.).
 *
 * Encoding: 8-bit gray, gray + alpha, RGB or RGBA, non-interlaced, adaptive per-row filters, zlib
 * via fflate. Decoding: every standard format — gray at 1/2/4/8/16 bits, gray + alpha, RGB and RGBA
 * at 8/16 bits, palette at 1/2/4/8 bits (expanded to RGB, or RGBA when a tRNS chunk gives alpha),
 * non-interlaced or Adam7. Gray below 8 bits is scaled to 0–255; 16-bit samples stay 16-bit
 * (see {@link toEightBit}). A tRNS colour key on gray/RGB images is ignored (pixels stay opaque).
 *
 * Limits, checked on IHDR before anything is allocated: width and height 1…2^31−1 and at most
 * `maxPixels` (default {@link MAX_PNG_PIXELS}, 64 Mpixel) in total. Every chunk CRC is verified;
 * the image data must inflate to exactly the size IHDR implies. Errors are {@link PngError}.
 */
import { zlibSync } from 'fflate';
import type { DeflateOptions } from 'fflate';
import { concatBytes } from './bytes';
import { checkRaster } from './image';
import type { RasterImage } from './image';
import { InflateError, inflateExact } from './inflateExact';
import {
  PNG_SIGNATURE,
  PngError,
  filterScanlines,
  pngChunk,
  readPngChunks,
  unfilterScanlines,
} from './pngChunks';

export { PngError } from './pngChunks';

/** Default pixel limit for decoding: 64 Mpixel (2^26), far above anything the lab shows. */
export const MAX_PNG_PIXELS = 2 ** 26;

/** A decoded PNG: samples interleaved per pixel, rows top to bottom. */
export type DecodedPng =
  | { width: number; height: number; channels: 1 | 2 | 3 | 4; bitDepth: 8; data: Uint8Array }
  | { width: number; height: number; channels: 1 | 2 | 3 | 4; bitDepth: 16; data: Uint16Array };

/** Decoder limits. */
export interface DecodePngOptions {
  maxPixels?: number;
}

/** PNG colour type for 1–4 interleaved 8-bit channels. */
const COLOR_TYPE_OF_CHANNELS = [0, 0, 4, 2, 6] as const;
/** Samples per pixel of each colour type (palette: one index). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: [x0, y0, dx, dy]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The IHDR chunk of an 8-bit, non-interlaced image (also the header of every APNG frame). */
export function pngHeader(width: number, height: number, channels: 1 | 2 | 3 | 4): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = COLOR_TYPE_OF_CHANNELS[channels];
  return pngChunk('IHDR', ihdr);
}

/** Filtered, zlib-compressed scanlines of an image: the payload of its IDAT (or fdAT) chunks. */
export function pngImageData(image: RasterImage, level: DeflateOptions['level'] = 6): Uint8Array {
  const rowBytes = image.width * image.channels;
  return zlibSync(filterScanlines(image.data, image.height, rowBytes, image.channels), { level });
}

/** Encodes an 8-bit image as a PNG file. Throws a `RangeError` for inconsistent image fields. */
export function encodePng(image: RasterImage, opts: { level?: DeflateOptions['level'] } = {}): Uint8Array {
  checkRaster(image, 'encodePng');
  const parts = [
    PNG_SIGNATURE,
    pngHeader(image.width, image.height, image.channels),
    pngChunk('IDAT', pngImageData(image, opts.level)),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  return concatBytes(parts);
}

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

function parseHeader(data: Uint8Array, maxPixels: number): Header {
  if (data.length !== 13) throw new PngError(`IHDR is ${data.length} bytes, expected 13`);
  const view = new DataView(data.buffer, data.byteOffset, 13);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const [depth, colorType, compression, filter, interlace] = data.subarray(8);
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff)
    throw new PngError(`IHDR size ${width}×${height} is invalid (1 to 2^31−1 each)`);
  if (width * height > maxPixels)
    throw new PngError(
      `image is ${width}×${height} = ${width * height} pixels, over the ${maxPixels}-pixel limit`,
    );
  if (!ALLOWED_DEPTHS[colorType])
    throw new PngError(`IHDR colour type ${colorType} is invalid (0, 2, 3, 4 or 6)`);
  if (!ALLOWED_DEPTHS[colorType].includes(depth))
    throw new PngError(
      `IHDR bit depth ${depth} is invalid for colour type ${colorType} (allowed: ${ALLOWED_DEPTHS[colorType].join(', ')})`,
    );
  if (compression !== 0 || filter !== 0)
    throw new PngError(`IHDR compression ${compression} / filter method ${filter} are not 0`);
  if (interlace > 1) throw new PngError(`IHDR interlace method ${interlace} is invalid (0 or 1)`);
  return { width, height, depth, colorType, interlaced: interlace === 1 };
}

/** Decodes a PNG file; see the module comment for formats and limits. */
export function decodePng(bytes: Uint8Array, opts: DecodePngOptions = {}): DecodedPng {
  const chunks = readPngChunks(bytes);
  if (chunks[0].type !== 'IHDR') throw new PngError(`first chunk is ${chunks[0].type}, expected IHDR`);
  const h = parseHeader(chunks[0].data, opts.maxPixels ?? MAX_PNG_PIXELS);
  let palette: Uint8Array | undefined;
  let alpha: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  for (let i = 1; i < chunks.length; i++) {
    const { type, data } = chunks[i];
    if (type === 'IDAT') {
      if (idat.length > 0 && chunks[i - 1].type !== 'IDAT')
        throw new PngError('IDAT chunks are not consecutive');
      idat.push(data);
    } else if (type === 'PLTE') palette = checkPalette(data, h, palette !== undefined, idat.length > 0);
    else if (type === 'tRNS') {
      if (h.colorType === 3) {
        if (!palette || idat.length > 0) throw new PngError('tRNS must come after PLTE and before IDAT');
        if (data.length > palette.length / 3)
          throw new PngError(`tRNS has ${data.length} entries but the palette only ${palette.length / 3}`);
        alpha = data;
      }
    } else if (type === 'IHDR') throw new PngError('IHDR appears twice');
    else if (type !== 'IEND' && type.charCodeAt(0) < 0x61)
      throw new PngError(`unknown critical chunk ${type}`);
  }
  if (idat.length === 0) throw new PngError('no IDAT chunk: the file holds no image data');
  if (h.colorType === 3 && !palette) throw new PngError('palette image (colour type 3) has no PLTE chunk');

  const samples = SAMPLES[h.colorType];
  const bpp = Math.max(1, (samples * h.depth) >> 3);
  const passes = (h.interlaced ? ADAM7 : [[0, 0, 1, 1] as const]).map(([x0, y0, dx, dy]) => {
    const w = Math.ceil(Math.max(0, h.width - x0) / dx);
    const ph = Math.ceil(Math.max(0, h.height - y0) / dy);
    const rowBytes = Math.ceil((w * samples * h.depth) / 8);
    return { x0, y0, dx, dy, w, h: ph, rowBytes, bytes: w > 0 && ph > 0 ? ph * (rowBytes + 1) : 0 };
  });
  let raw: Uint8Array;
  try {
    raw = inflateExact(
      idat.length === 1 ? idat[0] : concatBytes(idat),
      passes.reduce((n, p) => n + p.bytes, 0),
      'zlib',
    );
  } catch (e) {
    if (e instanceof InflateError) throw new PngError(`image data: ${e.message}`);
    throw e;
  }

  const outChannels = h.colorType === 3 ? (alpha ? 4 : 3) : samples;
  const out =
    h.depth === 16
      ? new Uint16Array(h.width * h.height * outChannels)
      : new Uint8Array(h.width * h.height * outChannels);
  let offset = 0;
  for (const pass of passes) {
    if (pass.bytes === 0) continue;
    unfilterScanlines(raw, offset, pass.h, pass.rowBytes, bpp);
    for (let y = 0; y < pass.h; y++) {
      const row = raw.subarray(offset + y * (pass.rowBytes + 1) + 1, offset + (y + 1) * (pass.rowBytes + 1));
      const outRow = (pass.y0 + y * pass.dy) * h.width;
      for (let x = 0; x < pass.w; x++) {
        const dst = (outRow + pass.x0 + x * pass.dx) * outChannels;
        if (h.colorType === 3) writePaletteEntry(out, dst, sample(row, x, h.depth), palette!, alpha);
        else
          for (let c = 0; c < samples; c++)
            out[dst + c] = scaled(sample(row, x * samples + c, h.depth), h.depth);
      }
    }
    offset += pass.bytes;
  }
  const channels = outChannels as 1 | 2 | 3 | 4;
  return out instanceof Uint16Array
    ? { width: h.width, height: h.height, channels, bitDepth: 16, data: out }
    : { width: h.width, height: h.height, channels, bitDepth: 8, data: out };
}

function checkPalette(data: Uint8Array, h: Header, seen: boolean, afterIdat: boolean): Uint8Array {
  if (h.colorType === 0 || h.colorType === 4)
    throw new PngError(`PLTE is not allowed in a gray image (colour type ${h.colorType})`);
  if (seen || afterIdat) throw new PngError('PLTE appears twice or after IDAT');
  const entries = data.length / 3;
  if (!Number.isInteger(entries) || entries < 1 || entries > 256)
    throw new PngError(`PLTE is ${data.length} bytes; it must hold 1–256 RGB entries`);
  return data;
}

/** Sample `i` of a scanline: big-endian 16-bit, a byte, or packed MSB-first below 8 bits. */
function sample(row: Uint8Array, i: number, depth: number): number {
  if (depth === 8) return row[i];
  if (depth === 16) return (row[2 * i] << 8) | row[2 * i + 1];
  const bit = i * depth;
  return (row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

/** Gray below 8 bits becomes 0–255 (the factor 255/(2^depth − 1) is an integer: 255, 85, 17). */
function scaled(v: number, depth: number): number {
  return depth < 8 ? v * (255 / ((1 << depth) - 1)) : v;
}

function writePaletteEntry(
  out: Uint8Array | Uint16Array,
  dst: number,
  index: number,
  palette: Uint8Array,
  alpha: Uint8Array | undefined,
): void {
  if (index * 3 >= palette.length)
    throw new PngError(
      `palette index ${index} is out of range (the palette has ${palette.length / 3} entries)`,
    );
  out[dst] = palette[index * 3];
  out[dst + 1] = palette[index * 3 + 1];
  out[dst + 2] = palette[index * 3 + 2];
  if (alpha) out[dst + 3] = index < alpha.length ? alpha[index] : 255;
}

/** Reduces a decoded PNG to 8 bits per sample (16-bit values rounded: v · 255 / 65535). */
export function toEightBit(image: DecodedPng): RasterImage {
  const { width, height, channels } = image;
  if (image.bitDepth === 8) return { width, height, channels, data: image.data };
  return { width, height, channels, data: Uint8Array.from(image.data, (v) => Math.round((v * 255) / 65535)) };
}
