import * as tf from '@tensorflow/tfjs';
import { labKernelRuns } from '../model/webgpu/program';
import { maxRel, random, startWebGpu } from '../model/webgpu/testing';
import { perExampleMse } from './loss';
import { mseLossWebGpu } from './webgpuLoss';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU loss tests skipped: ${unavailable}`);

type Shape4 = [number, number, number, number];

/** Loss, each example's loss and the loss's gradient in the prediction, read back. */
async function lossAndGrad(backend: 'cpu' | 'webgpu', shape: Shape4): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const prediction = tf.tensor4d(random(shape, 1).data, shape);
  const target = tf.tensor4d(random(shape, 2).data, shape);
  let perExample: tf.Tensor1D | null = null;
  const { value, grads } = tf.valueAndGrads((p: tf.Tensor) => {
    if (backend === 'webgpu') {
      const mse = mseLossWebGpu(p as tf.Tensor4D, target);
      perExample = mse.perExample;
      return mse.loss;
    }
    perExample = tf.keep(perExampleMse(p as tf.Tensor4D, target));
    return tf.mean(perExample) as tf.Scalar;
  })([prediction]);
  const each = perExample as unknown as tf.Tensor1D;
  const out = [value, each, grads[0]].map(async (t) => (await t.data()) as Float32Array);
  const read = await Promise.all(out);
  tf.dispose([prediction, target, value, each, ...grads]);
  return read;
}

describe.skipIf(unavailable !== null)('the MSE loss on WebGPU', () => {
  it.each<[Shape4]>([[[1, 1, 1, 1]], [[1, 4, 4, 3]], [[3, 5, 3, 1]], [[2, 32, 32, 3]], [[5, 1, 1, 3]]])(
    '%j: the loss, each example’s and the gradient as tfjs computes them on the CPU, in 2 + 1 dispatches',
    async (shape) => {
      const want = await lossAndGrad('cpu', shape);
      const before = tf.memory().numTensors;
      const runs = () => ['LabMsePerExample', 'LabMseGrad'].map((k) => labKernelRuns().get(k) ?? 0);
      const ran = runs();
      const got = await lossAndGrad('webgpu', shape);
      expect(runs().map((n, i) => n - ran[i])).toEqual([1, 1]);
      expect(tf.memory().numTensors).toBe(before);
      got.forEach((g, i) => expect(maxRel(g, want[i])).toBeLessThan(1e-5));
    },
  );

  it('runs no tfjs elementwise op forward or backward: one Mean of the per-example losses', async () => {
    await tf.setBackend('webgpu');
    const shape: Shape4 = [2, 3, 3, 2];
    const [p, target] = [1, 2].map((s) => tf.tensor4d(random(shape, s).data, shape));
    const profile = await tf.profile(() => {
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => {
        const mse = mseLossWebGpu(x as tf.Tensor4D, target);
        mse.perExample.dispose();
        return mse.loss;
      })([p]);
      tf.dispose([value, ...grads]);
    });
    // Registered kernels only (customGrad's scope is listed too); Identity (the saved tensors'
    // clones) shares its input's data: no dispatch.
    const kernels = profile.kernels
      .map((k) => k.name)
      .filter((n) => n !== 'Identity' && tf.getKernel(n, 'webgpu') !== undefined);
    expect(kernels).toEqual(['LabMsePerExample', 'Mean', 'LabMseGrad']);
    tf.dispose([p, target]);
  });
});
