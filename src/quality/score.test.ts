import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FetchFile } from '../data/builtins';
import type { Dataset } from '../data/types';
import { Rng } from '../diffusion/rng';
import type { Classifier, ImageSet } from './classifier';
import { MemoryClassifierCache } from './classifierCache';
import { QualityError } from './errors';
import { scoreSamples } from './score';
import { ensureClassifier, scoreAgainstDataset } from './scoreDataset';
import { drawImages, subset } from './split';
import { TEST_RECIPE, mnistDigits } from './testData';

const fromDisk: FetchFile = async (path) => new Uint8Array(readFileSync(join(process.cwd(), 'public', path)));

/** Separable Gaussian blur of σ pixels (kernel radius ⌈3σ⌉, edges clamped), rounded back to bytes. */
function blur(ds: Dataset, sigma: number): Dataset {
  const r = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const { height: h, width: w, channels: c } = ds;
  const pass = (src: Float64Array, horizontal: boolean) => {
    const out = new Float64Array(src.length);
    for (let n = 0; n < ds.count; n++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++) {
            let acc = 0;
            for (let k = -r; k <= r; k++) {
              const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + k));
              const xx = horizontal ? Math.min(w - 1, Math.max(0, x + k)) : x;
              acc += kernel[k + r] * src[((n * h + yy) * w + xx) * c + ch];
            }
            out[((n * h + y) * w + x) * c + ch] = acc / total;
          }
    return out;
  };
  const blurred = pass(pass(Float64Array.from(ds.images), true), false);
  return { ...ds, images: Uint8Array.from(blurred, (v) => Math.round(v)) };
}

function noiseLike(ds: Dataset, seed: number): ImageSet {
  const rng = new Rng(seed);
  return { ...ds, images: Uint8Array.from(ds.images, () => rng.int(256)) };
}

function accuracy(probs: Float32Array, labels: Uint8Array, k: number): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    if (best === labels[i]) right++;
  }
  return right / labels.length;
}

const N = 200;
const cache = new MemoryClassifierCache();
let train: Dataset;
let test: Dataset;
let halfA: Dataset;
let halfB: Dataset;
let classifier: Classifier;

beforeAll(async () => {
  await tf.setBackend('cpu');
  ({ train, test } = await mnistDigits(fromDisk, 500, 2 * N));
  halfA = subset(
    test,
    Array.from({ length: N }, (_, i) => i * 2),
  );
  halfB = subset(
    test,
    Array.from({ length: N }, (_, i) => i * 2 + 1),
  );
  const ready = await ensureClassifier('mnist-14px', train, cache, TEST_RECIPE);
  expect(ready.cached).toBe(false);
  classifier = ready.classifier;
});

afterAll(() => classifier.dispose());

describe('sample-quality score on MNIST digits', () => {
  it('trains a classifier that recognises held-out digits', async () => {
    expect(accuracy(await classifier.probs(test), test.labels, 10)).toBeGreaterThan(0.75);
  });

  it('puts real vs real (disjoint held-out halves) near 0 and noise vs real far away', async () => {
    const real = await scoreSamples(classifier, halfA, halfB, N);
    const noise = await scoreSamples(classifier, noiseLike(halfA, 1), halfB, N);
    // Measured (CPU backend, this seed): real 3.9, noise 172. Real vs real is not 0 at n = 200:
    // two samples' covariances differ by O(d/n) even from one distribution.
    expect(real.fcd).toBeLessThan(0.05 * noise.fcd);
    // Real digits are confidently and evenly classified; noise is not.
    expect(real.classifierScore).toBeGreaterThan(4);
    expect(noise.classifierScore).toBeLessThan(real.classifierScore / 2);
    expect(real.realClassifierScore).toBe(noise.realClassifierScore);
  });

  it('raises the distance monotonically as real images are blurred more', async () => {
    const sigmas = [0.5, 1, 1.5, 2, 3];
    const fcds: number[] = [(await scoreSamples(classifier, halfA, halfB, N)).fcd];
    for (const sigma of sigmas) fcds.push((await scoreSamples(classifier, blur(halfA, sigma), halfB, N)).fcd);
    for (let i = 1; i < fcds.length; i++)
      expect(fcds[i], `σ = ${sigmas[i - 1]}: ${fcds.join(', ')}`).toBeGreaterThan(fcds[i - 1]);
  });

  it('scores a dataset end to end with the cached classifier, reproducibly', async () => {
    const samples = blur(halfA, 1);
    const request = {
      datasetId: 'mnist-14px',
      pair: { train, test },
      samples: async () => samples,
      n: 100,
      seed: 3,
      cache,
      recipe: TEST_RECIPE,
    };
    const before = tf.memory().numTensors;
    const first = await scoreAgainstDataset(request);
    expect(tf.memory().numTensors).toBe(before);
    expect(first).toMatchObject({ classifierCached: true, warnings: [], n: 100 });
    const direct = await scoreSamples(classifier, samples, drawImages(test, 100, 3), 100);
    expect(first).toEqual({ ...direct, classifierCached: true, warnings: [] });
  });

  it('fails before generating anything when the held-out split has fewer than N images', async () => {
    const samples = vi.fn(async () => halfA);
    const request = {
      datasetId: 'mnist-14px',
      pair: { train, test },
      samples,
      n: 2 * N + 1,
      seed: 0,
      cache,
      recipe: TEST_RECIPE,
    };
    await expect(scoreAgainstDataset(request)).rejects.toThrow(
      'mnist: cannot draw 401 held-out real images from 400; choose 1 to 400',
    );
    expect(samples).not.toHaveBeenCalled();
  });

  it('refuses too few images and images of another size, naming the numbers', async () => {
    await expect(scoreSamples(classifier, halfA, subset(halfB, [0, 1, 2]), 4)).rejects.toThrow(
      'score: 4 images asked for but only 3 held-out real images given',
    );
    await expect(scoreSamples(classifier, halfA, halfB, 1)).rejects.toThrow(
      'n = 1 images; a covariance needs at least 2',
    );
    const big = { ...halfA, height: 28, width: 28, images: new Uint8Array(N * 784) };
    await expect(scoreSamples(classifier, big, halfB, N)).rejects.toThrow(QualityError);
    await expect(scoreSamples(classifier, big, halfB, N)).rejects.toThrow(
      'images are 28×28×1 but the classifier takes 14×14×1 (H×W×C)',
    );
  });
});
