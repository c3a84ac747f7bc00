import * as tf from '@tensorflow/tfjs';
import { MAX_IMAGES } from '../sampling/options';
import { sample, type DenoisingModel } from '../sampling/runner';
import { sampleMany } from './sampleMany';

/** diffusers' toy model, ε̂ = x · t / (t + 1): cheap and deterministic, with images that depend on the noise. */
const toy: DenoisingModel = {
  apply: (x, t) => tf.mul(x, tf.reshape(tf.div(t, tf.add(t, 1)), [-1, 1, 1, 1])),
  config: { in_channels: 1, out_channels: 1, sample_size: 4 },
};
const SCHEDULE = { num_train_timesteps: 10 };
const SAMPLING = { sampler: 'ddpm' as const, numInferenceSteps: 3 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sampleMany', () => {
  it('gives the images one run would give, however many runs it takes', async () => {
    const n = MAX_IMAGES + 6;
    const progress: [number, number][] = [];
    const before = tf.memory().numTensors;
    const many = await sampleMany(toy, SCHEDULE, SAMPLING, n, 5, {
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(many).toMatchObject({ count: n, height: 4, width: 4, channels: 1 });
    const one = await sample(toy, SCHEDULE, { ...SAMPLING, numImages: MAX_IMAGES, seed: 5 });
    expect(many.images.subarray(0, MAX_IMAGES * 16)).toEqual(one.images);
    // The last run's images are new ones, not copies of the first run's.
    expect(many.images.subarray(MAX_IMAGES * 16, (MAX_IMAGES + 1) * 16)).not.toEqual(
      one.images.subarray(0, 16),
    );
    expect(progress.at(-1)).toEqual([6, 6]);
    expect(progress.map(([d]) => d)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses counts outside 2..10,000 and stops on a cancelled signal', async () => {
    await expect(sampleMany(toy, SCHEDULE, SAMPLING, 1, 0)).rejects.toThrow(
      'score: 1 images is not allowed; choose an integer from 2 to 10000',
    );
    await expect(sampleMany(toy, SCHEDULE, SAMPLING, 8, 0, { signal: { aborted: true } })).rejects.toThrow(
      'sampling cancelled after 0 of 3 steps',
    );
  });
});
