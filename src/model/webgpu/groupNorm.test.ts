import * as tf from '@tensorflow/tfjs';
import { groupNormForkWebGpu, groupNormWebGpu } from './groupNorm';
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

/** How many times the forward and the gradient kernel have run. */
const runs = () => ['LabGroupNorm', 'LabGroupNormGrad'].map((k) => labKernelRuns().get(k) ?? 0);

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
    { shape: [2, 3, 1, 288], groups: 32, silu: true }, // more channels than threads: γ, β copied in strides
  ] as const)(
    '$shape, $groups groups, silu $silu: values and gradients against tfjs on the CPU, in 1 + 1 dispatches',
    async ({ shape, groups, silu }) => {
      const c = shape[3];
      const attrs = { groups, eps: 1e-5, silu };
      const before = runs();
      const errs = await compareOnCpu(
        (a, b, d) => groupNormWebGpu(a as tf.Tensor4D, b as tf.Tensor1D, d as tf.Tensor1D, attrs),
        reference(groups, 1e-5, silu),
        [random([...shape], 1), random([c], 2), random([c], 3)],
      );
      // compareOnCpu runs the forward twice (value, then inside the gradient) and the backward once.
      expect(runs().map((n, i) => n - before[i])).toEqual([2, 1]);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
    },
  );

  /**
   * The fork's readers, each seen differently: y, 2·view₀ and view₁² side by side, so a view
   * whose gradient were dropped, swapped or doubled would show in x's gradient.
   */
  const readers = (y: tf.Tensor, views: tf.Tensor[]) =>
    tf.concat([y, ...views.map((v, i) => (i === 0 ? tf.mul(v, 2) : tf.square(v)))], 3);

  it.each([
    { shape: [1, 4, 4, 32], groups: 32, silu: true, views: 2 }, // batch 1, 32 groups of 1
    { shape: [2, 1, 1, 3], groups: 1, silu: false, views: 1 }, // 1×1 image, 3 channels
    { shape: [1, 1, 1, 32], groups: 1, silu: true, views: 2 },
    { shape: [3, 4, 4, 64], groups: 32, silu: false, views: 2 },
    { shape: [2, 5, 3, 1], groups: 1, silu: true, views: 1 }, // 1 channel, odd sides
  ] as const)(
    "fork $shape, $groups groups, silu $silu, $views views: x gets every reader's gradient from the one gradient kernel",
    async ({ shape, groups, silu, views }) => {
      const c = shape[3];
      const attrs = { groups, eps: 1e-5, silu };
      const before = runs();
      const fork = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
        const [y, ...rest] = groupNormForkWebGpu(
          a as tf.Tensor4D,
          b as tf.Tensor1D,
          d as tf.Tensor1D,
          attrs,
          views,
        );
        return readers(y, rest);
      };
      const ref = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
        readers(
          reference(groups, 1e-5, silu)(a, b, d),
          Array.from({ length: views }, () => a),
        );
      const inputs = [random([...shape], 5), random([c], 6), random([c], 7)];
      const errs = await compareOnCpu(fork, ref, inputs);
      expect(runs().map((n, i) => n - before[i])).toEqual([2, 1]);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
      // No tfjs Add sums the readers' gradients: the kernel did.
      const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
      const profile = await tf.profile(() => {
        const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(fork(a[0], a[1], a[2])))(xs);
        tf.dispose(grads);
      });
      tf.dispose(xs);
      expect(profile.kernels.map((k) => k.name).filter((n) => n === 'Add' || n === 'AddN')).toEqual([]);
      expect(profile.kernels.map((k) => k.name)).toContain('LabGroupNormGrad');
    },
  );

  it.each([
    { x: [1, 4, 4, 3], x2: [1, 4, 4, 5], groups: 2, silu: true }, // a group spans both inputs
    { x: [2, 1, 1, 32], x2: [2, 1, 1, 32], groups: 32, silu: true }, // 1×1 image
    { x: [1, 3, 5, 1], x2: [1, 3, 5, 2], groups: 1, silu: false },
    { x: [3, 2, 2, 16], x2: [3, 2, 2, 48], groups: 32, silu: true },
  ] as const)(
    'concatenating fork $x + $x2, $groups groups, silu $silu: no concat or slice, every gradient as tfjs on the CPU',
    async ({ x, x2, groups, silu }) => {
      const c = x[3] + x2[3];
      const attrs = { groups, eps: 1e-5, silu };
      const before = runs();
      const fork = (a: tf.Tensor, a2: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
        const [y, ...rest] = groupNormForkWebGpu(
          a as tf.Tensor4D,
          b as tf.Tensor1D,
          d as tf.Tensor1D,
          attrs,
          1,
          a2 as tf.Tensor4D,
        );
        return readers(y, rest);
      };
      const ref = (a: tf.Tensor, a2: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
        const cat = tf.concat([a, a2], 3);
        return readers(reference(groups, 1e-5, silu)(cat, b, d), [cat]);
      };
      const inputs = [random([...x], 8), random([...x2], 9), random([c], 10), random([c], 11)];
      const errs = await compareOnCpu(fork, ref, inputs);
      expect(runs().map((n, i) => n - before[i])).toEqual([2, 1]);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
      const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
      const profile = await tf.profile(() => {
        const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(fork(a[0], a[1], a[2], a[3])))(xs);
        tf.dispose(grads);
      });
      tf.dispose(xs);
      const names = profile.kernels.map((k) => k.name);
      // readers' own concat (of y and the view) and its slices are the only ones.
      expect(names.filter((n) => n === 'Concat').length).toBe(1);
      expect(names.filter((n) => n === 'Add' || n === 'AddN')).toEqual([]);
    },
  );

  it('rejects channels that do not split into the groups', () => {
    const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
    expect(() =>
      groupNormWebGpu(x, tf.ones([6]), tf.zeros([6]), { groups: 4, eps: 1e-5, silu: false }),
    ).toThrow(/6 channels are not divisible into 4 groups/);
  });
});
