import * as tf from '@tensorflow/tfjs';
import type { DatasetPair } from '../data/types';
import { MemoryClassifierCache, type ClassifierCache } from './classifierCache';
import { QualityError } from './errors';
import { classifierCacheKey, dataHash, ensureClassifier, fitToModel } from './scoreDataset';
import { TOY_RECIPE as RECIPE, darkAndBright, weightsOf } from './testData';

beforeAll(async () => {
  await tf.setBackend('cpu');
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
    first.classifier.dispose();
    second.classifier.dispose();
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

  it('still returns the trained classifier when the cache cannot store it', async () => {
    const full: ClassifierCache = {
      get: async () => undefined,
      put: async () => Promise.reject(new Error('QuotaExceededError')),
    };
    const ready = await ensureClassifier('toy', darkAndBright(32, 4), full, RECIPE);
    expect(ready.cached).toBe(false);
    expect(ready.warnings).toEqual([
      'could not cache the classifier (QuotaExceededError); the next score trains it again',
    ]);
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

describe('fitting a dataset to the model', () => {
  const pair: DatasetPair = { train: darkAndBright(4, 1), test: darkAndBright(2, 2) };

  it('pads both splits to the sample size, as for training', () => {
    const fitted = fitToModel(pair, { sample_size: 12, in_channels: 1 });
    expect([fitted.train.height, fitted.train.width, fitted.test?.height, fitted.test?.count]).toEqual([
      12, 12, 12, 2,
    ]);
    // 8×8 centred in 12×12: a 2-pixel black border.
    expect(fitted.train.images[0]).toBe(0);
    expect(fitted.train.images[2 * 12 + 2]).toBe(pair.train.images[0]);
    expect(fitToModel({ train: pair.train }, { sample_size: [8, 8], in_channels: 1 })).toEqual({
      train: pair.train,
    });
  });

  it('refuses other channel counts and sizes it cannot fit, naming them', () => {
    expect(() => fitToModel(pair, { sample_size: 8, in_channels: 3 })).toThrow(QualityError);
    expect(() => fitToModel(pair, { sample_size: 8, in_channels: 3 })).toThrow(
      'score: toy has 1-channel images but the model makes 3-channel ones',
    );
    expect(() => fitToModel(pair, { sample_size: [8, 16], in_channels: 1 })).toThrow(
      'sample_size [8,16] is not square',
    );
    expect(() => fitToModel(pair, { sample_size: null, in_channels: 1 })).toThrow(
      'the model config has no sample_size',
    );
  });
});
