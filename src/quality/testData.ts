/**
 * Small datasets for the quality tests: built-in MNIST digits from `public/`, shrunk to 14×14 so a
 * classifier trains in seconds on the CPU backend, and a toy task. Test-only: nothing in the app
 * imports this.
 */
import type { Dataset } from '../data/types';
import { Rng } from '../diffusion/rng';
import { parseUNetConfig } from '../model/config';
import { loadBuiltin, type FetchFile } from '../data/builtins';
import { padOrResize } from '../data/resize';
import { subset } from './split';
import type { Classifier } from './classifier';
import { DEFAULT_RECIPE, type ClassifierRecipe } from './trainClassifier';

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

/** Dark (0–99) and bright (156–255) 8×8 grey images, alternating: a task a few steps can learn. */
export function darkAndBright(count: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 2);
  const images = new Uint8Array(count * 64);
  for (let i = 0; i < count; i++)
    for (let p = 0; p < 64; p++) images[i * 64 + p] = labels[i] ? 156 + rng.int(100) : rng.int(100);
  return {
    name: 'toy',
    images,
    labels,
    count,
    height: 8,
    width: 8,
    channels: 1,
    classNames: ['dark', 'bright'],
    allowsFlip: true,
  };
}

/** A recipe for the toy images: two halvings of 8×8, a few steps. */
export const TOY_RECIPE: ClassifierRecipe = {
  ...DEFAULT_RECIPE,
  seed: 4,
  steps: 6,
  batchSize: 16,
  convChannels: [4, 8],
  featureDim: 8,
};

/** Every parameter's values as plain arrays, for equality checks. */
export async function weightsOf(c: Classifier): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, { data }] of await c.getWeights()) out[name] = [...data];
  return out;
}

/** A random 1-channel 16×16 U-Net for the digits above (14×14, padded to its size): its samples are not digits. */
export const DIGIT_UNET_CONFIG = parseUNetConfig({
  sample_size: 16,
  in_channels: 1,
  out_channels: 1,
  block_out_channels: [8, 16],
  down_block_types: ['DownBlock2D', 'DownBlock2D'],
  up_block_types: ['UpBlock2D', 'UpBlock2D'],
  layers_per_block: 1,
  norm_num_groups: 4,
});
