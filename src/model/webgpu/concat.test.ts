import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../convGrad';
import { convFilterGradKernel, convInputGradKernel } from './gemm';
import { convGemm } from './gemmOps';
import { groupNormWebGpu } from './groupNorm';
import { labKernelRuns } from './program';
import { compareOnCpu, random, startWebGpu } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU kernel tests skipped: ${unavailable}`);

const cat = (a: tf.Tensor, b: tf.Tensor) => tf.concat([a, b], 3);
const pair = (a: tf.Tensor, b: tf.Tensor) => [a, b] as [tf.Tensor4D, tf.Tensor4D];

/** The lab kernels that ran while `f` ran, by name (tfjs' own kernels are not counted here). */
async function labRunsOf(f: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = new Map(labKernelRuns());
  await f();
  return Object.fromEntries(
    [...labKernelRuns()].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const).filter(([, n]) => n > 0),
  );
}

/** Every kernel tfjs' engine ran while `f` ran (lab kernels and tfjs' own, e.g. Concat, Slice). */
async function kernelsOf(f: () => Promise<unknown>): Promise<Set<string>> {
  const engine = tf.engine();
  const run = engine.runKernel.bind(engine);
  const names = new Set<string>();
  engine.runKernel = ((name: string, ...rest: unknown[]) => {
    names.add(name);
    return (run as (...a: unknown[]) => unknown)(name, ...rest);
  }) as typeof engine.runKernel;
  try {
    await f();
  } finally {
    engine.runKernel = run;
  }
  return names;
}

describe.skipIf(unavailable !== null)(
  'a skip concatenation read in place, against tfjs concat on the CPU',
  () => {
    it.each([
      {
        name: '3 + 5 channels, odd sides, a group across the seam',
        a: [2, 5, 3, 3],
        b: 5,
        groups: 4,
        silu: true,
      },
      { name: '1 + 31 channels, 1×1 image, 32 groups', a: [1, 1, 1, 1], b: 31, groups: 32, silu: true },
      { name: '1 + 1 channels, 4×4, one group', a: [3, 4, 4, 1], b: 1, groups: 1, silu: false },
      { name: 'batch 1, 40 + 24 channels, 32 groups of 2', a: [1, 7, 5, 40], b: 24, groups: 32, silu: true },
    ] as const)('GroupNorm, $name: values and both inputs’ gradients', async ({ a, b, groups, silu }) => {
      const c = a[3] + b;
      const attrs = { groups, eps: 1e-5, silu };
      const reference = (x1: tf.Tensor, x2: tf.Tensor, g: tf.Tensor, be: tf.Tensor) => {
        const x = cat(x1, x2);
        const [n, h, w] = x.shape;
        const grouped = tf.reshape(x, [n, h * w, groups, c / groups]);
        const { mean, variance } = tf.moments(grouped, [1, 3], true);
        const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, 1e-5))), x.shape);
        const y = tf.add(tf.mul(normed, g), be);
        return silu ? tf.mul(y, tf.sigmoid(y)) : y;
      };
      let errs: number[] = [];
      const ran = await labRunsOf(async () => {
        errs = await compareOnCpu(
          (x1, x2, g, be) => groupNormWebGpu(pair(x1, x2), g as tf.Tensor1D, be as tf.Tensor1D, attrs),
          reference,
          [random([...a], 1), random([a[0], a[1], a[2], b], 2), random([c], 3), random([c], 4)],
        );
      });
      // Forward twice (the value, then inside the gradient), backward once: no concat, no slices.
      expect(ran).toEqual({ LabGroupNorm: 2, LabGroupNormGradX: 1, LabGroupNormGradAffine: 1 });
      for (const e of errs) expect(e).toBeLessThan(1e-4);
    });

    it.each([
      { name: '1×1 (the shortcut), 3 + 4 → 5, 9×11', a: [2, 9, 11, 3], b: 4, k: 1, co: 5, up: false },
      { name: '3×3, batch 1, 1 + 3 → 3, 4×4', a: [1, 4, 4, 1], b: 3, k: 3, co: 3, up: false },
      { name: '3×3 on a 1×1 image, 2 + 1 → 70', a: [3, 1, 1, 2], b: 1, k: 3, co: 70, up: false },
      { name: '3×3, split-K dW (K = 1,024), 1 + 2 → 3', a: [4, 16, 16, 1], b: 2, k: 3, co: 3, up: false },
      { name: '3×3 read ×2-upsampled, 2 + 1 → 4', a: [2, 2, 3, 2], b: 1, k: 3, co: 4, up: true },
    ] as const)('conv, $name: values and every gradient', async ({ a, b, k, co, up }) => {
      const [n, h, w, c1] = a;
      const ci = c1 + b;
      const p = (k - 1) / 2;
      const pad: Padding = [p, p, p, p];
      const [ho, wo] = up ? [2 * h, 2 * w] : [h, w];
      const upsample = (x: tf.Tensor) =>
        up
          ? tf.reshape(tf.add(tf.reshape(x, [n, h, 1, w, 1, ci]), tf.zeros([1, 1, 2, 1, 2, 1])), [
              n,
              ho,
              wo,
              ci,
            ])
          : x;
      const errs = await compareOnCpu(
        (x1, x2, wt, bias, res, temb) =>
          convGemm(pair(x1, x2), wt as tf.Tensor4D, bias as tf.Tensor1D, {
            stride: 1,
            pad,
            upsample: up,
            residual: res as tf.Tensor4D,
            rowBias: temb as tf.Tensor2D,
          }),
        (x1, x2, wt, bias, res, temb) =>
          tf.add(
            tf.add(
              tf.conv2d(
                tf.pad(upsample(cat(x1, x2)), [
                  [0, 0],
                  [p, p],
                  [p, p],
                  [0, 0],
                ]) as tf.Tensor4D,
                wt as tf.Tensor4D,
                1,
                'valid',
              ),
              bias,
            ),
            tf.add(res, tf.reshape(temb, [n, 1, 1, co])),
          ),
        [
          random([...a], 1),
          random([n, h, w, b], 2),
          random([k, k, ci, co], 3),
          random([co], 4),
          random([n, ho, wo, co], 5),
          random([n, co], 6),
        ],
      );
      for (const e of errs) expect(e).toBeLessThan(2e-6);
    });

    it('writes the input gradient into both tensors and runs neither a concat nor a slice', async () => {
      const g = {
        batch: 2,
        h: 9,
        w: 11,
        ci: 7,
        kh: 1,
        kw: 1,
        co: 5,
        stride: 1,
        pad: [0, 0, 0, 0] as Padding,
        split: 3,
      };
      const dx = convInputGradKernel(g);
      expect(dx.outputShape).toEqual([2, 9, 11, 3]);
      expect(dx.sideOutputs).toEqual([{ name: 'dx2', shape: [2, 9, 11, 4] }]);
      expect(dx.inputs).toEqual(['dy', 'w']);
      expect(convFilterGradKernel(g, true).inputs).toEqual(['x', 'x2', 'dy']);
      expect(() => convInputGradKernel({ ...g, split: 7 })).toThrow(/splits its 7 channels at 7/);

      await tf.setBackend('webgpu');
      const [x1, x2] = [
        tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1),
        tf.randomNormal([2, 4, 4, 5], 0, 1, 'float32', 2),
      ];
      const [w, bias] = [tf.randomNormal([1, 1, 8, 6], 0, 1, 'float32', 3), tf.zeros([6])];
      const [gamma, beta] = [tf.ones([8]), tf.zeros([8])];
      const kernels = await kernelsOf(async () => {
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => {
          const parts = pair(p, q);
          const normed = groupNormWebGpu(parts, gamma as tf.Tensor1D, beta as tf.Tensor1D, {
            groups: 4,
            eps: 1e-5,
            silu: true,
          });
          const shortcut = convGemm(parts, w as tf.Tensor4D, bias as tf.Tensor1D, {
            stride: 1,
            pad: [0, 0, 0, 0],
          });
          return tf.add(tf.sum(normed), tf.sum(shortcut));
        })([x1, x2]);
        expect(grads.map((t) => t.shape)).toEqual([x1.shape, x2.shape]);
        await Promise.all(grads.map((t) => t.data()));
        tf.dispose(grads);
      });
      expect([...kernels].filter((k) => /concat|slice|split/i.test(k))).toEqual([]);
      // The same through tfjs' concat does run them (what the check above would catch).
      const viaConcat = await kernelsOf(async () => {
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([p, q], 3), 2)))([
          x1,
          x2,
        ]);
        await Promise.all(grads.map((t) => t.data()));
        tf.dispose(grads);
      });
      expect([...viaConcat].filter((k) => /concat|slice|split/i.test(k)).length).toBeGreaterThan(1);
      tf.dispose([x1, x2, w, bias, gamma, beta]);
    });
  },
);
