/**
 * Builders for small in-memory inputs in the data tests (tar archives, CIFAR records, idx files,
 * sources). Test-only: nothing in the app imports this module.
 */
import type { ByteSource } from './types';
import { concat } from './source';

const enc = new TextEncoder();

/** A minimal POSIX ustar archive of regular files, with the end-of-archive marker. */
export function tarArchive(entries: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const { name, data } of entries) {
    const h = new Uint8Array(512);
    h.set(enc.encode(name).subarray(0, 100), 0);
    const field = (at: number, width: number, value: number) =>
      h.set(enc.encode(value.toString(8).padStart(width - 1, '0')), at);
    field(100, 8, 0o644);
    field(108, 8, 0);
    field(116, 8, 0);
    field(124, 12, data.length);
    field(136, 12, 0);
    h[156] = 0x30;
    h.set(enc.encode('ustar\u000000'), 257);
    h.fill(0x20, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    h.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\u0000 `), 148);
    blocks.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  return concat(blocks);
}

/** CIFAR-10 binary records; pixel value of image i, channel c, pixel p is `pixel(i, c, p)`. */
export function cifarRecords(
  labels: readonly number[],
  pixel: (i: number, c: number, p: number) => number,
): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, i) => {
    out[i * 3073] = label;
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 1024; p++) out[i * 3073 + 1 + c * 1024 + p] = pixel(i, c, p);
  });
  return out;
}

/** An idx file: magic 00 00 08 rank, big-endian dims, data. */
export function idxFile(dims: readonly number[], data: Uint8Array, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** A source that hands out its bytes in chunks of the given sizes (cycled), to test chunk boundaries. */
export function chunkedSource(name: string, bytes: Uint8Array, sizes: readonly number[]): ByteSource {
  return {
    name,
    size: bytes.length,
    async *chunks() {
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const n = sizes[k % sizes.length];
        yield bytes.subarray(at, at + n);
        at += n;
      }
    },
  };
}
