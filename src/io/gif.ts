/**
 * Animated GIF (GIF89a) encoder: one global colour table (see `quantize.ts`: gray frames exact,
 * RGB frames exact up to 256 colours, else median cut, or a fixed palette), a NETSCAPE2.0 block to
 * loop forever unless `loop: false`, and per frame a graphic control extension (delay) and a
 * full-size image compressed with variable-width LZW (codes up to 12 bits, clear code when the
 * table fills). Frames: 8-bit gray or RGB (GIF has no partial alpha), all of one size, at most
 * 65 535 px a side. Delays are stored in centiseconds; anything under 20 ms becomes 20 ms, because
 * browsers show 0–10 ms delays as 100 ms.
 */
import { checkFrames } from './animation';
import type { AnimationOptions } from './animation';
import { concatBytes } from './bytes';
import type { RasterImage } from './image';
import { indexFrames } from './quantize';

/** GIF options: timing, looping, and optionally a fixed palette (RGB triplets, 1–256 entries). */
export interface GifOptions extends AnimationOptions {
  palette?: Uint8Array;
}

const MAX_SIDE = 0xffff;
const MIN_DELAY_CS = 2;
const MAX_DELAY_CS = 0xffff;

/** Encodes frames as an animated GIF; throws `RangeError` for unsupported or mismatched frames. */
export function encodeGif(frames: readonly RasterImage[], opts: GifOptions): Uint8Array {
  const delays = checkFrames(frames, opts, 'encodeGif', MAX_DELAY_CS * 10);
  const { width, height, channels } = frames[0];
  if (channels !== 1 && channels !== 3)
    throw new RangeError(`encodeGif: frames have ${channels} channels; GIF takes gray (1) or RGB (3)`);
  if (width > MAX_SIDE || height > MAX_SIDE)
    throw new RangeError(`encodeGif: ${width}×${height} is larger than GIF's ${MAX_SIDE} px per side`);
  const { palette, indices } = indexFrames(frames, opts.palette);
  const tableBits = Math.max(1, Math.ceil(Math.log2(palette.length / 3)));
  const table = new Uint8Array(3 << tableBits);
  table.set(palette);

  const parts: Uint8Array[] = [new TextEncoder().encode('GIF89a')];
  // Logical screen: size, global table present with 2^tableBits entries, 8-bit colour resolution.
  parts.push(new Uint8Array([...u16(width), ...u16(height), 0x80 | (7 << 4) | (tableBits - 1), 0, 0]), table);
  if (opts.loop !== false)
    parts.push(new Uint8Array([0x21, 0xff, 11, ...new TextEncoder().encode('NETSCAPE2.0'), 3, 1, 0, 0, 0]));
  indices.forEach((frame, i) => {
    const delay = Math.min(MAX_DELAY_CS, Math.max(MIN_DELAY_CS, Math.round(delays[i] / 10)));
    parts.push(new Uint8Array([0x21, 0xf9, 4, 0, ...u16(delay), 0, 0]));
    parts.push(new Uint8Array([0x2c, 0, 0, 0, 0, ...u16(width), ...u16(height), 0]));
    const minCodeSize = Math.max(2, tableBits);
    parts.push(new Uint8Array([minCodeSize]), subBlocks(lzw(frame, minCodeSize)));
    opts.onFrame?.(i + 1, indices.length);
  });
  parts.push(new Uint8Array([0x3b]));
  return concatBytes(parts);
}

const u16 = (n: number) => [n & 0xff, n >> 8];

/** GIF's LZW: variable-width codes packed LSB first, starting with a clear code. */
function lzw(indices: Uint8Array, minCodeSize: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const out: number[] = [];
  let bitBuffer = 0;
  let bitCount = 0;
  let codeSize = minCodeSize + 1;
  const emit = (code: number) => {
    bitBuffer |= code << bitCount;
    bitCount += codeSize;
    while (bitCount >= 8) {
      out.push(bitBuffer & 0xff);
      bitBuffer >>>= 8;
      bitCount -= 8;
    }
  };
  const table = new Map<number, number>();
  let next = eoi + 1;
  emit(clear);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = (prefix << 8) | k;
    const code = table.get(key);
    if (code !== undefined) {
      prefix = code;
      continue;
    }
    emit(prefix);
    if (next === 4096) {
      // Table full: start over, as every decoder expects after a clear code.
      emit(clear);
      table.clear();
      next = eoi + 1;
      codeSize = minCodeSize + 1;
    } else {
      // The decoder adds this entry one code later, so widen exactly when the new code needs it.
      if (next >= 1 << codeSize) codeSize++;
      table.set(key, next++);
    }
    prefix = k;
  }
  emit(prefix);
  emit(eoi);
  if (bitCount > 0) out.push(bitBuffer & 0xff);
  return Uint8Array.from(out);
}

/** Splits data into GIF sub-blocks (length byte + up to 255 bytes) ending with a zero block. */
function subBlocks(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + Math.ceil(data.length / 255) + 1);
  let at = 0;
  for (let p = 0; p < data.length; p += 255) {
    const n = Math.min(255, data.length - p);
    out[at++] = n;
    out.set(data.subarray(p, p + n), at);
    at += n;
  }
  return out;
}
