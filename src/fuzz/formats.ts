/**
 * Format knowledge the fuzzers need and the parsers must not share: where a seed's length fields
 * are (so interesting integers land in them), and checksum repairs (PNG chunk CRCs, tar header
 * sums, gzip trailers, safetensors header lengths) so mutated inputs get past the first integrity
 * check into the code behind it. Written from the format specs, independently of the parsers.
 */
import { gunzipSync } from 'node:zlib';
import type { Rng } from '../diffusion/rng';
import { crc32 } from '../io/crc32';
import { mutateJsonText, mutateJsonValue } from './jsonMutators';
import type { ByteSeed, Field } from './mutators';

const be32 = (at: number): Field => ({ at, width: 4, endian: 'be' });
const le16 = (at: number): Field => ({ at, width: 2, endian: 'le' });
const le32 = (at: number): Field => ({ at, width: 4, endian: 'le' });

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** PNG: every chunk length, IHDR's width, height, depth, colour type and interlace byte. */
export function pngFields(png: Uint8Array): Field[] {
  const fields: Field[] = [];
  const v = view(png);
  for (let p = 8; p + 12 <= png.length;) {
    const length = v.getUint32(p);
    fields.push(be32(p));
    if (p === 8)
      fields.push(
        be32(16),
        be32(20),
        { at: 24, width: 1, endian: 'be' },
        { at: 25, width: 1, endian: 'be' },
        { at: 28, width: 1, endian: 'be' },
      );
    p += 12 + length;
  }
  return fields;
}

/** Rewrites each chunk's CRC-32 for as long as the chunk lengths stay inside the file. */
export function fixPngCrcs(png: Uint8Array): Uint8Array {
  const out = png.slice();
  const v = view(out);
  for (let p = 8; p + 12 <= out.length;) {
    const length = v.getUint32(p);
    if (p + 12 + length > out.length) break;
    v.setUint32(p + 8 + length, crc32(out.subarray(p + 4, p + 8 + length)));
    p += 12 + length;
  }
  return out;
}

/** Zip: the end record's count, size and offset; each central record's sizes, offset and name length. */
export function zipFields(zip: Uint8Array): Field[] {
  const v = view(zip);
  let eocd = -1;
  for (let p = zip.length - 22; p >= 0; p--)
    if (v.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  if (eocd < 0) return [];
  const fields: Field[] = [le16(eocd + 8), le16(eocd + 10), le32(eocd + 12), le32(eocd + 16)];
  for (let p = v.getUint32(eocd + 16, true); p + 46 <= eocd && v.getUint32(p, true) === 0x02014b50;) {
    fields.push(le32(p + 20), le32(p + 24), le16(p + 28), le16(p + 30), le32(p + 42));
    const local = v.getUint32(p + 42, true);
    if (local + 30 <= zip.length)
      fields.push(le32(local + 18), le32(local + 22), le16(local + 26), le16(local + 28));
    p += 46 + v.getUint16(p + 28, true) + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
  }
  return fields;
}

/** Tar: each header's size (octal text) and type byte, following the sizes through the archive. */
export function tarFields(tar: Uint8Array): Field[] {
  const fields: Field[] = [];
  for (let p = 0; p + 512 <= tar.length;) {
    if (tar.subarray(p, p + 512).every((b) => b === 0)) break;
    fields.push({ at: p + 124, width: 12, endian: 'octal' }, { at: p + 156, width: 1, endian: 'be' });
    const size = octal(tar, p + 124, 12);
    p += 512 + Math.ceil(size / 512) * 512;
  }
  return fields;
}

function octal(b: Uint8Array, at: number, width: number): number {
  const text = String.fromCharCode(...b.subarray(at, at + width))
    .replace(/\0.*$/s, '')
    .trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : 0;
}

/** Recomputes the checksum of every header the sizes lead to (bytes 148–155 count as spaces). */
export function fixTarChecksums(tar: Uint8Array): Uint8Array {
  const out = tar.slice();
  for (let p = 0; p + 512 <= out.length;) {
    const h = out.subarray(p, p + 512);
    if (h.every((b) => b === 0)) break;
    h.fill(0x20, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    const text = `${sum.toString(8).padStart(6, '0')}\0 `;
    for (let i = 0; i < 8; i++) h[148 + i] = text.charCodeAt(i);
    const size = octal(out, p + 124, 12);
    p += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** A gzip member whose trailer (CRC-32, length) matches its inflated data, when it still inflates. */
export function fixGzipTrailer(gz: Uint8Array): Uint8Array {
  if (gz.length < 18) return gz;
  let data: Uint8Array;
  try {
    data = new Uint8Array(gunzipSync(gz));
  } catch {
    return gz;
  }
  const out = gz.slice();
  view(out).setUint32(out.length - 8, crc32(data), true);
  view(out).setUint32(out.length - 4, data.length >>> 0, true);
  return out;
}

/** Applies the repair that fits the bytes' magic number (gzip, then tar inside it is not reached). */
export function fixByMagic(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return fixGzipTrailer(bytes);
  if (bytes.length >= 263 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar')
    return fixTarChecksums(bytes);
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return fixPngCrcs(bytes);
  return bytes;
}

/** The safetensors header length (u64 little-endian at 0). */
export const SAFETENSORS_FIELDS: readonly Field[] = [{ at: 0, width: 8, endian: 'le' }];

/**
 * A safetensors file with its header JSON mutated (as a value or as text) and its length field
 * rewritten to match, so the mutation reaches the header checks instead of the length check.
 */
export function mutateSafetensorsHeader(rng: Rng, seed: ByteSeed): Uint8Array {
  const bytes = seed.bytes;
  const n = Number(view(bytes).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  let header: string;
  try {
    header =
      rng.int(3) === 0 ? mutateJsonText(rng, text) : JSON.stringify(mutateJsonValue(rng, JSON.parse(text)));
  } catch {
    header = mutateJsonText(rng, text);
  }
  const encoded = new TextEncoder().encode(header);
  const data = bytes.subarray(8 + n);
  const out = new Uint8Array(8 + encoded.length + data.length);
  view(out).setBigUint64(0, BigInt(encoded.length), true);
  out.set(encoded, 8);
  out.set(data, 8 + encoded.length);
  return out;
}
