/**
 * MNIST-format idx files: a 4-byte magic (0, 0, element type, number of dimensions), one
 * big-endian uint32 per dimension, then the elements. Images are idx3 (N×H×W), labels idx1 (N).
 * Files are recognised by their magic number, not their names, and paired by split and count.
 */
import type { Dataset, DatasetPair } from './types';
import { DatasetError } from './errors';

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** A parsed idx file: its dimensions and its elements (a view into the file's bytes). */
export interface IdxArray {
  file: string;
  dims: number[];
  data: Uint8Array;
}

/** Whether bytes look like an idx file of unsigned bytes with 1 to 4 dimensions. */
export function isIdx(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 8 &&
    bytes[0] === 0 &&
    bytes[1] === 0 &&
    bytes[2] === UNSIGNED_BYTE &&
    bytes[3] >= 1 &&
    bytes[3] <= 4
  );
}

/** Parses an idx file, checking the magic and that the data length matches the dimensions. */
export function parseIdx(file: string, bytes: Uint8Array): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0)
    throw new DatasetError(
      file,
      `is not an idx file (magic ${hex(bytes.subarray(0, 4))}, expected 00 00 08 0N)`,
    );
  if (bytes[2] !== UNSIGNED_BYTE)
    throw new DatasetError(
      file,
      `idx element type 0x${bytes[2].toString(16).padStart(2, '0')} (${TYPE_NAMES[bytes[2]] ?? 'unknown'}) is not supported; only unsigned bytes (0x08) are`,
    );
  const rank = bytes[3];
  if (rank < 1 || rank > 4)
    throw new DatasetError(file, `idx file has ${rank} dimensions; images have 3 (or 4), labels 1`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes)
    throw new DatasetError(file, `is truncated inside its idx header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  if (dims.some((d) => d === 0))
    throw new DatasetError(file, `idx dimensions ${dims.join('×')} include a zero`);
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected)
    throw new DatasetError(
      file,
      `idx header says ${dims.join('×')} = ${expected.toLocaleString('en-US')} bytes of data, the file holds ${actual.toLocaleString('en-US')}`,
    );
  return { file, dims, data: bytes.subarray(headerBytes) };
}

/** Train or test from an idx file name: the official test files are `t10k-*`. */
function idxSplit(file: string): 'train' | 'test' {
  const base = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  return base.startsWith('t10k') || base.includes('test') ? 'test' : 'train';
}

/** Options for turning idx arrays into a dataset. */
export interface IdxDatasetOptions {
  /** Names for label values; defaults to the values themselves ("0".."9"). */
  classNames?: string[];
  allowsFlip?: boolean;
}

/**
 * Builds a pair from idx arrays: each images file (rank 3, or rank 4 with 1 or 3 channels) is
 * matched with the labels file (rank 1) of the same split; an images file without labels gets
 * one class, "all". Images of both splits must share a size.
 */
export function assembleIdx(
  name: string,
  arrays: readonly IdxArray[],
  options: IdxDatasetOptions = {},
): DatasetPair {
  const images = arrays.filter((a) => a.dims.length >= 2);
  const labels = arrays.filter((a) => a.dims.length === 1);
  if (images.length === 0)
    throw new DatasetError(
      name,
      `holds idx labels (${labels.map((l) => l.file).join(', ')}) but no idx images`,
    );
  const bySplit = new Map<'train' | 'test', { images: IdxArray; labels?: IdxArray }>();
  for (const img of images) {
    const split = idxSplit(img.file);
    if (bySplit.has(split))
      throw new DatasetError(
        name,
        `holds two ${split} image files: ${bySplit.get(split)?.images.file} and ${img.file}`,
      );
    bySplit.set(split, { images: img });
  }
  for (const lab of labels) {
    const entry =
      bySplit.get(idxSplit(lab.file)) ??
      [...bySplit.values()].find((e) => !e.labels && e.images.dims[0] === lab.dims[0]);
    if (!entry)
      throw new DatasetError(lab.file, `idx labels file has no matching images file (${lab.dims[0]} labels)`);
    if (entry.labels)
      throw new DatasetError(
        name,
        `holds two label files for ${entry.images.file}: ${entry.labels.file} and ${lab.file}`,
      );
    if (lab.dims[0] !== entry.images.dims[0])
      throw new DatasetError(
        lab.file,
        `has ${lab.dims[0]} labels but ${entry.images.file} has ${entry.images.dims[0]} images`,
      );
    entry.labels = lab;
  }
  const shapes = [...bySplit.values()].map((e) => imageShape(e.images));
  if (
    shapes.some(
      (s) =>
        s.height !== shapes[0].height || s.width !== shapes[0].width || s.channels !== shapes[0].channels,
    )
  )
    throw new DatasetError(
      name,
      `train and test images differ in size (${shapes.map((s) => `${s.height}×${s.width}×${s.channels}`).join(' vs ')})`,
    );
  const maxLabel = Math.max(
    0,
    ...[...bySplit.values()].map((e) => (e.labels ? e.labels.data.reduce((m, l) => Math.max(m, l), 0) : 0)),
  );
  const hasLabels = [...bySplit.values()].some((e) => e.labels);
  const classNames = hasLabels
    ? (options.classNames ?? Array.from({ length: maxLabel + 1 }, (_, k) => String(k)))
    : ['all'];
  if (maxLabel >= classNames.length)
    throw new DatasetError(name, `label ${maxLabel} has no class name (${classNames.length} classes)`);
  const make = (split: 'train' | 'test', e: { images: IdxArray; labels?: IdxArray }): Dataset => ({
    name,
    images: e.images.data,
    labels: e.labels?.data ?? new Uint8Array(e.images.dims[0]),
    count: e.images.dims[0],
    ...imageShape(e.images),
    classNames,
    allowsFlip: options.allowsFlip ?? false,
    split,
  });
  const train = bySplit.get('train');
  const test = bySplit.get('test');
  // Only a t10k file: it is all there is to train on (Fashion-MNIST's shipped built-in is one).
  if (!train) return { train: make('train', test as { images: IdxArray }) };
  return test ? { train: make('train', train), test: make('test', test) } : { train: make('train', train) };
}

function imageShape(a: IdxArray): { height: number; width: number; channels: 1 | 3 } {
  const [, height, width, channels = 1] = a.dims;
  if (a.dims.length < 3 || (channels !== 1 && channels !== 3))
    throw new DatasetError(
      a.file,
      `idx dimensions ${a.dims.join('×')} are not images (N×H×W or N×H×W×C with C = 1 or 3)`,
    );
  return { height, width, channels };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
