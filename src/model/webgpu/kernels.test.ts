import * as tf from '@tensorflow/tfjs';
import { dropoutMask } from '../../random/draws';
import { dropoutWebGpu } from './dropout';
import { timestepFrequencies } from '../timeEmbedding';
import { labKernelRuns } from './program';
import { siluWebGpu } from './silu';
import { sinusoidsWebGpu } from './sinusoids';
import { compareOnCpu, compareWithGrads, random, startWebGpu } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU kernel tests skipped: ${unavailable}`);

const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe.skipIf(unavailable !== null)('dropout on WebGPU', () => {
  const drawKey = { seed: 2 ** 32 + 42, step: 9 };
  const keyTensor = () => tf.tensor1d(Int32Array.from(new Uint32Array([42, 1, 9])), 'int32');

  it('draws the mask the CPU draws for a (seed, step, call), and passes the gradient through it', async () => {
    const x = tf.add(normal([2, 4, 4, 8], 1), 3); // no zeros: a zero in the output means dropped
    const key = keyTensor();
    const errs = await compareWithGrads(
      (xs) => dropoutWebGpu(xs as tf.Tensor4D, 0.3, 5, key),
      (xs) => tf.mul(xs, tf.tensor(dropoutMask(drawKey, 5, xs.size, 0.3), xs.shape)),
      [x],
    );
    for (const e of errs) expect(e).toBe(0);
    const y = dropoutWebGpu(x as tf.Tensor4D, 0.3, 5, key);
    const dropped = (await y.data()).filter((v) => v === 0).length / y.size;
    expect(dropped).toBeGreaterThan(0.15);
    expect(dropped).toBeLessThan(0.45);
    const other = dropoutWebGpu(x as tf.Tensor4D, 0.3, 6, key);
    expect(Array.from(await other.data())).not.toEqual(Array.from(await y.data()));
    tf.dispose([x, y, other, key]);
  });

  it('rejects a rate outside [0, 1)', () => {
    expect(() => dropoutWebGpu(tf.zeros([1, 1, 1, 1]), 1, 0, keyTensor())).toThrow(
      /dropout rate 1 is not allowed/,
    );
  });
});

describe.skipIf(unavailable !== null)('timestep sinusoids on WebGPU', () => {
  it.each([
    { dim: 8, flip: false, freqShift: 1 },
    { dim: 7, flip: true, freqShift: 0 }, // odd width: a zero column
  ])(
    'dim $dim, flip $flip: within 1e-6 of sin/cos in float64 of the float32 argument, t up to 999',
    async (c) => {
      const ts = [0, 1, 3.5, 250, 641, 999];
      const freqs = timestepFrequencies(c.dim, c.freqShift);
      const t = tf.tensor1d(ts);
      const got = (await sinusoidsWebGpu(t, freqs, c.dim, c.flip).data()) as Float32Array;
      const half = freqs.length;
      let worst = 0;
      ts.forEach((tv, b) => {
        for (let j = 0; j < c.dim; j++) {
          let want = 0;
          if (j < 2 * half) {
            const arg = Math.fround(tv * freqs[j % half]);
            want = j < half !== c.flip ? Math.sin(arg) : Math.cos(arg);
          }
          worst = Math.max(worst, Math.abs(got[b * c.dim + j] - want));
        }
      });
      expect(worst).toBeLessThan(1e-6);
      t.dispose();
    },
  );
});

describe.skipIf(unavailable !== null)('SiLU on WebGPU', () => {
  it.each([[[4, 128]], [[1, 1]], [[3, 7]], [[2, 5, 3, 1]]])(
    '%j: x·σ(x) and its gradient as tfjs computes them on the CPU, one dispatch each way',
    async (shape) => {
      const runs = () => ['LabSilu', 'LabSiluGrad'].map((k) => labKernelRuns().get(k) ?? 0);
      const before = runs();
      // Values in [−12, 12): both tails of σ.
      const x = random(shape, 11);
      x.data.forEach((v, i) => (x.data[i] = 12 * v));
      const errs = await compareOnCpu(
        (xs) => siluWebGpu(xs),
        (xs) => tf.mul(xs, tf.sigmoid(xs)),
        [x],
      );
      // compareOnCpu runs the forward twice (value, then inside the gradient) and the backward once.
      expect(runs().map((n, i) => n - before[i])).toEqual([2, 1]);
      for (const e of errs) expect(e).toBeLessThan(1e-6);
    },
  );
});
