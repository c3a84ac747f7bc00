/**
 * NumPy's `.npy` format (version 1.0) for uint8 arrays, and `.npz` archives of them: what
 * `numpy.load` reads with nothing else installed. A magic string, a Python-literal header padded
 * to a multiple of 64 bytes, then the C-order bytes.
 */
import { writeZip } from './zip';

/** A C-order uint8 array. */
export interface NpyArray {
  shape: readonly number[];
  data: Uint8Array;
}

/** One `.npy` file. Throws when the shape does not match the data. */
export function writeNpy({ shape, data }: NpyArray): Uint8Array {
  if (
    !shape.every((d) => Number.isSafeInteger(d) && d >= 0) ||
    shape.reduce((a, b) => a * b, 1) !== data.length
  )
    throw new Error(`npy: shape [${shape.join(', ')}] does not hold ${data.length} bytes`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${dims}), }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces and ended by \n.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = `${dict}${' '.repeat(total - 10 - dict.length - 1)}\n`;
  const out = new Uint8Array(total + data.length);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, total);
  return out;
}

/** An `.npz` archive (deflated, as `numpy.savez_compressed` writes) of named arrays. */
export function writeNpz(arrays: ReadonlyMap<string, NpyArray>): Uint8Array {
  return writeZip(new Map([...arrays].map(([name, a]) => [`${name}.npy`, writeNpy(a)])));
}
