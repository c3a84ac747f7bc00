/**
 * Small real datasets for the quality tests: built-in MNIST digits from `public/`, shrunk to 14×14
 * so a classifier trains in seconds on the CPU backend. Test-only: nothing in the app imports this.
 */
import type { Dataset } from '../data/types';
import { loadBuiltin, type FetchFile } from '../data/builtins';
import { padOrResize } from '../data/resize';
import { subset } from './split';
import type { ClassifierRecipe } from './trainClassifier';

/** A recipe for 14×14 digits: four halvings of the padded 16×16 input reach 1×1. */
export const TEST_RECIPE: ClassifierRecipe = {
  seed: 7,
  steps: 150,
  batchSize: 32,
  learningRate: 3e-3,
  convChannels: [8, 16, 32, 64],
  featureDim: 32,
};

/**
 * Two disjoint, class-balanced sets of built-in MNIST digits at 14×14: `train` (every `stride`-th
 * digit from offset 0) and `test` (from offset `stride / 2`). The built-in file is sorted by digit,
 * so striding keeps every class. `fetchFile` reads `public/` (the tests pass a disk reader).
 */
export async function mnistDigits(
  fetchFile: FetchFile,
  trainCount: number,
  testCount: number,
): Promise<{ train: Dataset; test: Dataset }> {
  const { train: all } = await loadBuiltin('mnist', { fetchFile });
  const stride = Math.floor(all.count / Math.max(trainCount, testCount));
  const pick = (offset: number, count: number) =>
    Array.from({ length: count }, (_, i) => i * stride + offset);
  const small = (indices: number[], split: 'train' | 'test') => ({
    ...padOrResize(subset(all, indices), 14, 'resize'),
    split,
  });
  return {
    train: small(pick(0, trainCount), 'train'),
    test: small(pick(Math.floor(stride / 2), testCount), 'test'),
  };
}
