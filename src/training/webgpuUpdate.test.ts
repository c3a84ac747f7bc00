import * as tf from '@tensorflow/tfjs';
import { setFusedKernelsDefault } from '../model/fused';
import { relDiff, startWebGpu } from '../model/webgpu/testing';
import { Adam } from './adam';
import { FIRST_UPDATE_DECAY, emaBlend } from './ema';
import { flatten } from './flat';
import { blendWebGpu } from './webgpuUpdate';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU kernel tests skipped: ${unavailable}`);

afterEach(() => setFusedKernelsDefault(true));

/** Runs Adam for three steps from the same weights and gradients, fused or with tfjs ops. */
async function adamRun(fused: boolean): Promise<{ weights: tf.Tensor1D; m: tf.Tensor1D; v: tf.Tensor1D }> {
  setFusedKernelsDefault(fused);
  const vars = tf.tidy(() =>
    [[3, 4], [5], [2, 2, 2, 3]].map((shape, i) =>
      tf.variable(tf.randomNormal(shape, 0, 1, 'float32', i + 1)),
    ),
  );
  const adam = new Adam(vars);
  for (let s = 0; s < 3; s++) {
    const grad = tf.randomNormal([adam.size], 0, 1, 'float32', 10 + s) as tf.Tensor1D;
    adam.apply(grad, 0.01);
    grad.dispose();
  }
  const out = { weights: flatten(vars), m: tf.clone(adam.state().m), v: tf.clone(adam.state().v) };
  adam.dispose();
  tf.dispose(vars);
  return out;
}

describe.skipIf(unavailable !== null)('optimiser kernels on WebGPU', () => {
  it('fused Adam updates weights and both moments as the tfjs ops do', async () => {
    const before = tf.memory().numTensors;
    const fused = await adamRun(true);
    const plain = await adamRun(false);
    expect(await relDiff(fused.weights, plain.weights)).toBeLessThan(1e-6);
    expect(await relDiff(fused.m, plain.m)).toBeLessThan(1e-6);
    expect(await relDiff(fused.v, plain.v)).toBeLessThan(1e-6);
    // The weights moved: three steps of lr 0.01 are far above the tolerance.
    const [start, moved] = tf.tidy(() => [
      tf.randomNormal([12], 0, 1, 'float32', 1),
      tf.slice(fused.weights, 0, 12),
    ]);
    expect(await relDiff(moved, start)).toBeGreaterThan(1e-3);
    tf.dispose([fused.weights, fused.m, fused.v, plain.weights, plain.m, plain.v, start, moved]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('blends as decay·a + (1−decay)·b with 1−decay rounded from float64 (the EMA update)', async () => {
    const [a, b] = [tf.randomNormal([1000], 0, 1, 'float32', 1), tf.randomNormal([1000], 0, 1, 'float32', 2)];
    const got = blendWebGpu(a as tf.Tensor1D, b as tf.Tensor1D, 0.9999);
    const want = tf.tidy(() => tf.add(tf.mul(a, 0.9999), tf.mul(b, 1 - 0.9999)));
    expect(await relDiff(got, want)).toBeLessThan(1e-7);
    tf.dispose([a, b, got, want]);
  });

  it.each([true, false])(
    'the paper’s first EMA update (decay 1e-10) copies the weights (fused kernels: %s)',
    async (fused) => {
      setFusedKernelsDefault(fused);
      const [a, b] = [
        tf.randomNormal([1000], 0, 1, 'float32', 3),
        tf.randomNormal([1000], 0, 1, 'float32', 4),
      ];
      const got = emaBlend(a as tf.Tensor1D, b as tf.Tensor1D, FIRST_UPDATE_DECAY);
      expect(await relDiff(got, b)).toBeLessThan(1e-9);
      tf.dispose([a, b, got]);
    },
  );
});
