import * as tf from '@tensorflow/tfjs';
import { startWebGpu } from '../model/webgpu/testing';
import { drawSampleNoise } from '../random/draws';
import { relError } from './testUtils';
import { sampleNoiseWebGpu } from './webgpuNoise';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU sampling noise tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('the reverse process’ noise on WebGPU', () => {
  it('is drawSampleNoise of each image (first image onwards, HWC) within the GPU’s float32 error', async () => {
    const shape = { numImages: 3, height: 5, width: 3, channels: 2 };
    const per = 5 * 3 * 2;
    const before = tf.memory().numTensors;
    const z = sampleNoiseWebGpu(-42, 7, 2, shape);
    expect(z.shape).toEqual([3, 5, 3, 2]);
    const values = (await z.data()) as Float32Array;
    z.dispose();
    for (let i = 0; i < 3; i++) {
      const expected = drawSampleNoise(-42, 7 + i, 2, per);
      // WGSL's log, sin and cos are approximations (philoxWgsl.test.ts); the words are exact.
      expect(relError(values.subarray(i * per, (i + 1) * per), expected)).toBeLessThan(1e-3);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
