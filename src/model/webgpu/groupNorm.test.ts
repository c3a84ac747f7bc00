import * as tf from '@tensorflow/tfjs';
import { groupNormWebGpu } from './groupNorm';
import { compareWithGrads, startWebGpu } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU kernel tests skipped: ${unavailable}`);

/** tfjs' own ops: the unfused path (ops.ts' groupNorm, then x·σ(x)). */
function reference(groups: number, eps: number, silu: boolean) {
  return (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
    const [n, h, w, c] = x.shape;
    const grouped = tf.reshape(x, [n, h * w, groups, c / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps))), x.shape);
    const y = tf.add(tf.mul(normed, gamma), beta);
    return silu ? tf.mul(y, tf.sigmoid(y)) : y;
  };
}

describe.skipIf(unavailable !== null)('GroupNorm WebGPU kernels against tfjs ops on WebGPU', () => {
  it.each([
    { shape: [2, 4, 4, 8], groups: 4, silu: true },
    { shape: [3, 8, 6, 16], groups: 8, silu: false },
    { shape: [2, 32, 32, 8], groups: 2, silu: true }, // 4,096-element groups: the 256-thread workgroup
    { shape: [1, 2, 2, 6], groups: 1, silu: true },
  ] as const)('$shape, $groups groups, silu $silu: values and gradients', async ({ shape, groups, silu }) => {
    const c = shape[3];
    const x = tf.add(tf.mul(tf.randomNormal([...shape], 0, 1, 'float32', 1), 3), 0.5);
    const gamma = tf.randomNormal([c], 1, 0.5, 'float32', 2);
    const beta = tf.randomNormal([c], 0, 0.5, 'float32', 4);
    const before = tf.memory().numTensors;
    const attrs = { groups, eps: 1e-5, silu };
    const [value, dx, dGamma, dBeta] = await compareWithGrads(
      (a, b, d) => groupNormWebGpu(a as tf.Tensor4D, b as tf.Tensor1D, d as tf.Tensor1D, attrs),
      reference(groups, 1e-5, silu),
      [x, gamma, beta],
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(value).toBeLessThan(1e-5);
    expect(dx).toBeLessThan(1e-4);
    expect(dGamma).toBeLessThan(1e-4);
    expect(dBeta).toBeLessThan(1e-4);
    tf.dispose([x, gamma, beta]);
  });

  it('rejects channels that do not split into the groups', () => {
    const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
    expect(() =>
      groupNormWebGpu(x, tf.ones([6]), tf.zeros([6]), { groups: 4, eps: 1e-5, silu: false }),
    ).toThrow(/6 channels are not divisible into 4 groups/);
  });
});
