import * as tf from '@tensorflow/tfjs';
import { groupNormWebGpu } from './groupNorm';
import { labKernelRuns } from './program';
import { compareOnCpu, compareWithGrads, random, startWebGpu } from './testing';

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

  it.each([
    { shape: [1, 1, 1, 32], groups: 32, silu: true }, // 1×1 image, one value per group
    { shape: [2, 5, 3, 3], groups: 1, silu: false }, // 3 channels, odd sides
    { shape: [3, 4, 4, 1], groups: 1, silu: true }, // 1 channel
    { shape: [1, 7, 5, 64], groups: 32, silu: true }, // batch 1, 32 groups of 2
  ] as const)(
    '$shape, $groups groups, silu $silu: values and gradients against tfjs on the CPU, in 1 + 2 dispatches',
    async ({ shape, groups, silu }) => {
      const c = shape[3];
      const attrs = { groups, eps: 1e-5, silu };
      const runs = () =>
        ['LabGroupNorm', 'LabGroupNormGradX', 'LabGroupNormGradAffine'].map(
          (k) => labKernelRuns().get(k) ?? 0,
        );
      const before = runs();
      const errs = await compareOnCpu(
        (a, b, d) => groupNormWebGpu(a as tf.Tensor4D, b as tf.Tensor1D, d as tf.Tensor1D, attrs),
        reference(groups, 1e-5, silu),
        [random([...shape], 1), random([c], 2), random([c], 3)],
      );
      // compareOnCpu runs the forward twice (value, then inside the gradient) and the backward once.
      expect(runs().map((n, i) => n - before[i])).toEqual([2, 1, 1]);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
    },
  );

  it('rejects channels that do not split into the groups', () => {
    const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
    expect(() =>
      groupNormWebGpu(x, tf.ones([6]), tf.zeros([6]), { groups: 4, eps: 1e-5, silu: false }),
    ).toThrow(/6 channels are not divisible into 4 groups/);
  });
});
