/**
 * CIFAR-10 binary version: records of 1 label byte + 1,024 red, 1,024 green, 1,024 blue bytes
 * (rows top to bottom), in `data_batch_1..5.bin` (train), `test_batch.bin` (test) and
 * `batches.meta.txt` (class names, one per line). Records are turned into HWC as they stream in.
 */
import type { Dataset, DatasetPair } from './types';
import { DatasetError } from './errors';
import { concat } from './source';

export const CIFAR_RECORD_BYTES = 3073;
const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = PIXELS * 3;

/** The official class names, used when only `.bin` batches arrive without `batches.meta.txt`. */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** One parsed batch file. */
export interface CifarBatch {
  file: string;
  split: 'train' | 'test';
  images: Uint8Array;
  labels: Uint8Array;
}

/** The split a batch file belongs to from its base name; `undefined` for names the archive does not use. */
export function cifarSplit(path: string): 'train' | 'test' | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/^data_batch_\d+\.bin$/.test(base)) return 'train';
  if (base === 'test_batch.bin') return 'test';
  return undefined;
}

/** Whether a path is the archive's class-name list. */
export function isCifarMeta(path: string): boolean {
  return path.slice(path.lastIndexOf('/') + 1) === 'batches.meta.txt';
}

/** Class names from `batches.meta.txt`: one per line, blank lines (the file ends with some) dropped. */
export function parseCifarMeta(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * Receives a batch file's bytes in any chunking and writes HWC images; the byte count is known
 * up front (file size or tar header), so a wrong size fails before any parsing.
 */
export class CifarBatchReader {
  readonly count: number;
  private readonly images: Uint8Array;
  private readonly labels: Uint8Array;
  private readonly carry = new Uint8Array(CIFAR_RECORD_BYTES);
  private carried = 0;
  private n = 0;
  /** Whether any byte so far was not zero: a file of zeros (a placeholder, a sparse file) is no batch. */
  private nonZero = false;

  /** `member` names the batch inside an archive; `file` is what the error messages blame. */
  constructor(
    private readonly file: string,
    private readonly member: string | undefined,
    bytes: number,
  ) {
    if (bytes === 0 || bytes % CIFAR_RECORD_BYTES !== 0) {
      const what = member ? `tar member ${member} is` : 'is';
      throw new DatasetError(
        file,
        `${what} ${bytes.toLocaleString('en-US')} bytes, not a multiple of the 3,073-byte CIFAR-10 record`,
      );
    }
    this.count = bytes / CIFAR_RECORD_BYTES;
    this.images = new Uint8Array(this.count * IMAGE_BYTES);
    this.labels = new Uint8Array(this.count);
  }

  write(chunk: Uint8Array): void {
    let pos = 0;
    if (this.carried > 0) {
      const n = Math.min(chunk.length, CIFAR_RECORD_BYTES - this.carried);
      this.carry.set(chunk.subarray(0, n), this.carried);
      this.carried += n;
      pos = n;
      if (this.carried < CIFAR_RECORD_BYTES) return;
      this.record(this.carry, 0);
      this.carried = 0;
    }
    for (; pos + CIFAR_RECORD_BYTES <= chunk.length; pos += CIFAR_RECORD_BYTES) this.record(chunk, pos);
    this.carry.set(chunk.subarray(pos), 0);
    this.carried = chunk.length - pos;
  }

  /** The finished batch; fails if fewer bytes arrived than announced. */
  end(split: 'train' | 'test'): CifarBatch {
    const what = this.member ? `tar member ${this.member}` : 'file';
    if (this.n !== this.count || this.carried !== 0)
      throw new DatasetError(this.file, `${what} ended after ${this.n} of ${this.count} CIFAR-10 records`);
    if (!this.nonZero)
      throw new DatasetError(
        this.file,
        `${what} is all zero bytes: not CIFAR-10 data (an empty placeholder or an unfinished download?)`,
      );
    return { file: this.member ?? this.file, split, images: this.images, labels: this.labels };
  }

  private record(src: Uint8Array, at: number): void {
    if (this.n >= this.count)
      throw new DatasetError(
        this.file,
        `holds more than the ${this.count} CIFAR-10 records its size announced`,
      );
    const label = src[at];
    if (label > 9) {
      const where = this.member ? `tar member ${this.member}, ` : '';
      throw new DatasetError(
        this.file,
        `${where}record ${this.n} has label ${label}; CIFAR-10 labels are 0-9 (is this CIFAR-100?)`,
      );
    }
    this.labels[this.n] = label;
    if (!this.nonZero) this.nonZero = src.subarray(at, at + CIFAR_RECORD_BYTES).some((b) => b !== 0);
    const out = this.images;
    const base = this.n * IMAGE_BYTES;
    const r = at + 1;
    for (let p = 0; p < PIXELS; p++) {
      const o = base + p * 3;
      out[o] = src[r + p];
      out[o + 1] = src[r + PIXELS + p];
      out[o + 2] = src[r + 2 * PIXELS + p];
    }
    this.n++;
  }
}

/**
 * Joins batches into a train/test pair, batches in name order (data_batch_1 before _2 whatever
 * order the archive or the file picker used). `classNames` come from `batches.meta.txt` if given.
 */
export function assembleCifar(
  name: string,
  batches: readonly CifarBatch[],
  classNames: string[] = CIFAR10_CLASSES,
): DatasetPair {
  const sorted = [...batches].sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }));
  const split = (s: 'train' | 'test'): Dataset | undefined => {
    const parts = sorted.filter((b) => b.split === s);
    if (parts.length === 0) return undefined;
    const labels = concat(parts.map((p) => p.labels));
    const maxLabel = labels.reduce((m, l) => Math.max(m, l), 0);
    if (maxLabel >= classNames.length)
      throw new DatasetError(
        name,
        `label ${maxLabel} has no class name (batches.meta.txt lists ${classNames.length})`,
      );
    return {
      name,
      images: concat(parts.map((p) => p.images)),
      labels,
      count: labels.length,
      height: SIDE,
      width: SIDE,
      channels: 3,
      classNames,
      allowsFlip: true,
      split: s,
    };
  };
  const train = split('train');
  const test = split('test');
  if (train) return test ? { train, test } : { train };
  // A lone test_batch.bin is still a dataset; it is what there is to train on.
  if (test) return { train: { ...test, split: 'train' } };
  throw new DatasetError(name, 'holds no CIFAR-10 batches (data_batch_N.bin or test_batch.bin)');
}
