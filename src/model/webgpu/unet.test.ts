import * as tf from '@tensorflow/tfjs';
import type { UNetConfig } from '../config';
import { presetConfig } from '../presets';
import { UNet } from '../unet';
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

/** Output and parameter gradients of a seeded training pass (dropout on). */
function pass(unet: UNet, x: tf.Tensor4D, t: tf.Tensor1D) {
  const vars = unet.trainableVariables();
  return tf.variableGrads(
    () => tf.mean(tf.square(unet.apply(x, t, { training: true, seed: 5 }))) as tf.Scalar,
    vars,
  );
}

describe.skipIf(unavailable !== null)('the U-Net on WebGPU, fused kernels against tfjs ops', () => {
  it('computes the same loss and gradients for every parameter, with dropout', async () => {
    const fused = new UNet(CONFIG, { seed: 3, init: 'pytorch' });
    const plain = new UNet(CONFIG, { seed: 3, init: 'pytorch', fused: false });
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const t = tf.tensor1d([3, 700]);
    const before = tf.memory().numTensors;
    const a = pass(fused, x, t);
    const b = pass(plain, x, t);
    expect(await relDiff(a.value, b.value)).toBeLessThan(1e-5);
    const names = fused.trainableVariables().map((v, i) => [v.name, plain.trainableVariables()[i].name]);
    expect(names.length).toBeGreaterThan(50);
    for (const [fa, pb] of names) {
      // Softmax ignores a shift shared by all keys: to_k.bias's gradient is rounding noise around 0.
      if (fa.endsWith('to_k.bias')) continue;
      expect(await relDiff(a.grads[fa], b.grads[pb]), fa).toBeLessThan(1e-3);
    }
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, t]);
    fused.dispose();
    plain.dispose();
  });
});
