import * as tf from '@tensorflow/tfjs';
import type { UNetConfig } from '../config';
import { presetConfig } from '../presets';
import { UNet } from '../unet';
import { labCensus } from './census';
import { GEMM_KERNELS, recordGemms, recordedGemms } from './gemmOps';
import { relDiff, startWebGpu } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU kernel tests skipped: ${unavailable}`);

/** tiny's layout (two levels, attention) at 8×8, small channels, with dropout and padding 1. */
const CONFIG: UNetConfig = {
  ...presetConfig('tiny'),
  sample_size: 8,
  block_out_channels: [8, 16],
  norm_num_groups: 4,
  dropout: 0.2,
  downsample_padding: 1,
};

/** Loss and every parameter gradient of a seeded training pass (dropout on), read back. */
async function pass(
  backend: 'cpu' | 'webgpu',
): Promise<{ loss: Float32Array; grads: Map<string, Float32Array> }> {
  await tf.setBackend(backend);
  const unet = new UNet(CONFIG, { seed: 3, init: 'pytorch' });
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const t = tf.tensor1d([3, 700]);
  const before = tf.memory().numTensors;
  recordGemms(backend === 'webgpu');
  const { value, grads } = tf.variableGrads(
    () =>
      tf.mean(tf.square(unet.apply(x, t, { training: true, dropout: { seed: 5, step: 2 } }))) as tf.Scalar,
    unet.trainableVariables(),
  );
  const out = new Map<string, Float32Array>();
  for (const v of unet.trainableVariables())
    out.set(v.name.slice(v.name.indexOf('/') + 1), (await grads[v.name].data()) as Float32Array);
  const loss = (await value.data()) as Float32Array;
  tf.dispose([value, ...Object.values(grads)]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, t]);
  unet.dispose();
  return { loss, grads: out };
}

describe.skipIf(unavailable !== null)(
  'the U-Net through the fused WebGPU kernels',
  { timeout: 600_000 },
  () => {
    it('computes the loss and every parameter gradient of tfjs ops on the CPU backend, with dropout', async () => {
      const reference = await pass('cpu');
      const fused = await pass('webgpu');
      const diff = async (a: Float32Array, b: Float32Array) => {
        const [x, y] = [tf.tensor1d(a), tf.tensor1d(b)];
        const d = await relDiff(x, y);
        tf.dispose([x, y]);
        return d;
      };
      expect(await diff(fused.loss, reference.loss)).toBeLessThan(1e-5);
      // The census (what bench --gemm-census reports) lists exactly the GEMMs the step ran.
      const kernelOf = (kernel: string) =>
        kernel.startsWith('conv forward')
          ? GEMM_KERNELS.convForward
          : kernel.startsWith('conv input')
            ? GEMM_KERNELS.convInputGrad
            : kernel.startsWith('conv filter')
              ? GEMM_KERNELS.convFilterGrad
              : GEMM_KERNELS.matMul;
      const key = (r: { kernel: string; m: number; n: number; k: number; batch: number }) =>
        `${r.kernel} ${r.m}×${r.n}×${r.k}×${r.batch}`;
      const census = labCensus(CONFIG, 2, 8, 8).map((r) => key({ ...r, kernel: kernelOf(r.kernel) }));
      expect(recordedGemms().map(key).sort()).toEqual(census.sort());
      recordGemms(false);
      expect(fused.grads.size).toBeGreaterThan(50);
      for (const [name, g] of fused.grads) {
        // Softmax ignores a shift shared by all keys: to_k.bias's gradient is rounding noise around 0.
        if (name.endsWith('to_k.bias')) continue;
        const want = reference.grads.get(name);
        if (!want) throw new Error(`the CPU pass has no gradient for ${name}`);
        expect(await diff(g, want), name).toBeLessThan(1e-3);
      }
    });
  },
);
