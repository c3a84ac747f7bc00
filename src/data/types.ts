/**
 * The in-memory dataset every loader produces and the trainer consumes.
 *
 * Pixels stay uint8 in HWC order (the layout of a tfjs NHWC batch) until they reach the GPU: a
 * 50,000-image CIFAR-10 train set is 150 MB as bytes and would be 600 MB as float32.
 */

/** One split of a dataset: `count` images of `height×width×channels` bytes each. */
export interface Dataset {
  /** Where it came from (file or built-in name), for messages and the UI. */
  name: string;
  /** N×H×W×C bytes, row-major, channels last. */
  images: Uint8Array;
  /** One class index per image, into `classNames`. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** Class names; a label `k` means `classNames[k]`. Both splits of a pair share the list. */
  classNames: string[];
  /** Whether a random horizontal flip keeps images in the data distribution (photos: yes, digits: no). */
  allowsFlip: boolean;
  split?: 'train' | 'test';
}

/** A train split and, when the source has one, a held-out test split. */
export interface DatasetPair {
  train: Dataset;
  test?: Dataset;
}

/** Load progress in input bytes, so a 170 MB archive can show a bar. */
export interface LoadProgress {
  bytesDone: number;
  bytesTotal: number;
}

export type ProgressFn = (progress: LoadProgress) => void;

/**
 * A file to read, as a stream of chunks. The browser wraps a `File`, Node a read stream, tests a
 * byte array; `name` may hold folders (`cats/01.png`), which image sets use as class names.
 */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  chunks(): AsyncIterable<Uint8Array>;
}
