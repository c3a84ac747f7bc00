/**
 * What the trainer takes from a dataset: a batch of uint8 images by index, and the per-channel
 * affine map that turns bytes into model inputs. The map runs on the GPU (one multiply-add per
 * element on a uint8 upload), so the CPU never builds float batches.
 */
import type { Dataset } from './types';
import { DatasetError } from './errors';

/**
 * Copies the images at `indices` into one B×H×W×C uint8 batch. `flip[i]` nonzero mirrors image i
 * left–right (the paper's CIFAR-10 augmentation); leave it out for no flips.
 */
export function sampleBatch(ds: Dataset, indices: ArrayLike<number>, flip?: ArrayLike<number>): Uint8Array {
  const bytes = ds.height * ds.width * ds.channels;
  const row = ds.width * ds.channels;
  const c = ds.channels;
  const out = new Uint8Array(indices.length * bytes);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    if (!Number.isInteger(i) || i < 0 || i >= ds.count)
      throw new DatasetError(ds.name, `batch index ${i} is outside 0..${ds.count - 1}`);
    const src = ds.images.subarray(i * bytes, (i + 1) * bytes);
    if (!flip?.[b]) {
      out.set(src, b * bytes);
      continue;
    }
    for (let y = 0; y < ds.height; y++)
      for (let x = 0; x < ds.width; x++) {
        const from = y * row + (ds.width - 1 - x) * c;
        const to = b * bytes + y * row + x * c;
        for (let ch = 0; ch < c; ch++) out[to + ch] = src[from + ch];
      }
  }
  return out;
}

/** Per-channel mean and (population) standard deviation of `pixel / 255` over a whole split. */
export interface ChannelStats {
  mean: number[];
  std: number[];
}

export function channelStats(ds: Dataset): ChannelStats {
  const c = ds.channels;
  // Integer sums are exact (255² · 60,000 · 1,024 < 2⁵³), so the moments carry no rounding drift.
  const sum = new Array<number>(c).fill(0);
  const sumSq = new Array<number>(c).fill(0);
  const n = ds.count * ds.height * ds.width;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    let s2 = 0;
    for (let i = ch; i < ds.images.length; i += c) {
      const v = ds.images[i];
      s += v;
      s2 += v * v;
    }
    sum[ch] = s;
    sumSq[ch] = s2;
  }
  const mean = sum.map((s) => s / n / 255);
  const std = sumSq.map((s2, ch) => Math.sqrt(Math.max(0, s2 / n - (sum[ch] / n) ** 2)) / 255);
  return { mean, std };
}

/**
 * `x = byte · scale[c] + offset[c]` per channel, and back for display. `unit` is the paper's map
 * onto [-1, 1]; `meanStd` standardises each channel (the learner's ablation); `zeroOne` is
 * byte / 255 (the learner's script: torchvision's ToTensor with a no-op Normalize(0, 1)).
 */
export interface Normalization {
  kind: 'unit' | 'meanStd' | 'zeroOne';
  scale: number[];
  offset: number[];
}

/**
 * The paper's input scaling onto [-1, 1]: `x = byte · scale + offset = byte / 127.5 − 1`, the
 * same for every channel. The trainer applies it on the GPU to the uint8 batch.
 */
export const toUnitRange = { scale: 2 / 255, offset: -1 } as const;

export function normalization(ds: Dataset, kind: Normalization['kind']): Normalization {
  const c = ds.channels;
  if (kind === 'unit')
    return {
      kind,
      scale: new Array<number>(c).fill(toUnitRange.scale),
      offset: new Array<number>(c).fill(toUnitRange.offset),
    };
  if (kind === 'zeroOne')
    return { kind, scale: new Array<number>(c).fill(1 / 255), offset: new Array<number>(c).fill(0) };
  const { mean, std } = channelStats(ds);
  const flat = std.findIndex((s) => s === 0);
  if (flat >= 0)
    throw new DatasetError(ds.name, `channel ${flat} has zero variance; mean/std normalisation is undefined`);
  return { kind, scale: std.map((s) => 1 / (255 * s)), offset: mean.map((m, ch) => -m / std[ch]) };
}
