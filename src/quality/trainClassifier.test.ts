import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/types';
import { Rng } from '../diffusion/rng';
import type { Classifier } from './classifier';
import { MemoryClassifierCache } from './classifierCache';
import { classifierCacheKey, dataHash, ensureClassifier } from './scoreDataset';
import { DEFAULT_RECIPE, trainClassifier, type ClassifierRecipe } from './trainClassifier';

/** Dark (0–99) and bright (156–255) 8×8 grey images, alternating: a task a few steps can learn. */
function darkAndBright(count: number, seed: number): Dataset {
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

const RECIPE: ClassifierRecipe = {
  ...DEFAULT_RECIPE,
  seed: 4,
  steps: 6,
  batchSize: 16,
  convChannels: [4, 8],
  featureDim: 8,
};

async function weightsOf(c: Classifier): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, { data }] of await c.getWeights()) out[name] = [...data];
  c.dispose();
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('classifier training', () => {
  it('is deterministic for a seed on the CPU backend and differs between seeds', async () => {
    const data = darkAndBright(40, 1);
    const runs: Record<string, number[]>[] = [];
    for (const seed of [4, 4, 5])
      runs.push(await weightsOf(await trainClassifier(data, { ...RECIPE, seed })));
    const [a, b, c] = runs;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('lowers the loss, reports progress and leaks no tensors', async () => {
    const data = darkAndBright(64, 2);
    const reports: [number, number, number][] = [];
    const before = tf.memory().numTensors;
    const classifier = await trainClassifier(
      data,
      { ...RECIPE, steps: 40 },
      { progressEvery: 10, onProgress: (step, steps, loss) => reports.push([step, steps, loss]) },
    );
    expect(reports.map(([step, steps]) => [step, steps])).toEqual([
      [10, 40],
      [20, 40],
      [30, 40],
      [40, 40],
    ]);
    expect(reports[3][2]).toBeLessThan(0.5 * reports[0][2]);
    classifier.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on a cancelled signal, freeing what it built', async () => {
    const before = tf.memory().numTensors;
    const signal = { aborted: false };
    const run = trainClassifier(
      darkAndBright(32, 3),
      { ...RECIPE, steps: 50 },
      {
        progressEvery: 1,
        onProgress: (step) => {
          if (step === 2) signal.aborted = true;
        },
        signal,
      },
    );
    await expect(run).rejects.toThrow('classifier training was cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses one-class data and bad recipes, naming the value and the range', async () => {
    const one = { ...darkAndBright(8, 1), labels: new Uint8Array(8) };
    await expect(trainClassifier(one, RECIPE)).rejects.toThrow(
      "toy: the score's classifier needs images of at least 2 classes to learn features, this split has 1",
    );
    await expect(trainClassifier(darkAndBright(8, 1), { ...RECIPE, steps: 0 })).rejects.toThrow(
      'classifier recipe steps = 0 is not allowed; expected an integer from 1 to 1,000,000',
    );
    await expect(trainClassifier(darkAndBright(8, 1), { ...RECIPE, learningRate: -1 })).rejects.toThrow(
      'classifier recipe learningRate = -1 is not allowed; expected a number in (0, 1]',
    );
  });
});

describe('classifier cache', () => {
  it('trains once, then restores the same classifier from the cache', async () => {
    const cache = new MemoryClassifierCache();
    const data = darkAndBright(32, 4);
    const first = await ensureClassifier('toy', data, cache, RECIPE);
    const second = await ensureClassifier('toy', data, cache, RECIPE);
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second.key).toBe(first.key);
    expect(await weightsOf(second.classifier)).toEqual(await weightsOf(first.classifier));
  });

  it('retrains over an unreadable entry and says so', async () => {
    const cache = new MemoryClassifierCache();
    const data = darkAndBright(32, 4);
    const key = await classifierCacheKey('toy', data, RECIPE);
    await cache.put(key, new Uint8Array([1, 2, 3]));
    const ready = await ensureClassifier('toy', data, cache, RECIPE);
    expect(ready.cached).toBe(false);
    expect(ready.warnings).toEqual([expect.stringContaining(`cached classifier ${key} is unreadable (`)]);
    expect((await cache.get(key))?.length).toBeGreaterThan(3);
    ready.classifier.dispose();
  });

  it('keys by dataset id, content and recipe', async () => {
    const data = darkAndBright(16, 5);
    const changed = { ...data, images: data.images.slice() };
    changed.images[100] ^= 1;
    expect(await dataHash(data)).toMatch(/^[0-9a-f]{64}$/);
    expect(await dataHash(changed)).not.toBe(await dataHash(data));
    expect(await dataHash({ ...data, labels: data.labels.map((l) => 1 - l) })).not.toBe(await dataHash(data));
    const key = await classifierCacheKey('toy', data, RECIPE);
    expect(key.startsWith(`toy/${await dataHash(data)}/`)).toBe(true);
    expect(await classifierCacheKey('other', data, RECIPE)).not.toBe(key);
    expect(await classifierCacheKey('toy', data, { ...RECIPE, steps: 7 })).not.toBe(key);
  });
});
