/**
 * Which real images the classifier learns from and which it is scored against. The score's real
 * images must be held out: a classifier's features of its own training images are tighter than
 * of any new image, which would bias the distance. A dataset's test split is the held-out set;
 * one without (the built-in MNIST, an image folder) gives up a fixed sixth of its train split.
 */
import type { Dataset, DatasetPair } from '../data/types';
import { sampleBatch } from '../data/batch';
import { Rng } from '../diffusion/rng';
import { QualityError } from './errors';

/** Share of a train split held out when the dataset has no test split (MNIST's 10k of 70k ≈ 1/7; 1/6 leaves more). */
export const HELD_OUT_FRACTION = 1 / 6;

/**
 * Seed of the held-out draw. Fixed, not the user's seed: the classifier's training set (and so
 * its cache entry) must not change from one scoring to the next.
 */
const SPLIT_SEED = 0x5c0de;

/** The classifier's training images and the real images scores are measured against. */
export interface ScoringSplit {
  train: Dataset;
  heldOut: Dataset;
}

/** The images at `indices` (in that order) with their labels, as a dataset of their own. */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  return {
    ...ds,
    images: sampleBatch(ds, indices),
    labels: Uint8Array.from(indices, (i) => ds.labels[i]),
    count: indices.length,
  };
}

/** Splits a dataset for scoring; see the module comment. */
export function scoringSplit(pair: DatasetPair): ScoringSplit {
  const { train, test } = pair;
  if (test) return { train, heldOut: test };
  const heldOutCount = Math.ceil(train.count * HELD_OUT_FRACTION);
  if (train.count - heldOutCount < 2)
    throw new QualityError(
      `${train.name}: ${train.count} images are too few to hold out ${heldOutCount} for scoring and train a classifier`,
    );
  const order = permutation(train.count, new Rng(SPLIT_SEED));
  const sorted = (part: Uint32Array) => part.slice().sort();
  return {
    train: subset(train, sorted(order.subarray(heldOutCount))),
    heldOut: { ...subset(train, sorted(order.subarray(0, heldOutCount))), split: 'test' },
  };
}

/** `n` distinct images drawn uniformly with `seed`, so a score is reproducible. */
export function drawImages(ds: Dataset, n: number, seed: number): Dataset {
  if (!Number.isInteger(n) || n < 1 || n > ds.count)
    throw new QualityError(
      `${ds.name}: cannot draw ${n} held-out real images from ${ds.count}; choose 1 to ${ds.count}`,
    );
  return subset(ds, permutation(ds.count, new Rng(seed)).subarray(0, n));
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
