import * as tf from '@tensorflow/tfjs';
import { parseUNetConfig, type UNetConfig } from './config';
import { countParameters } from './plan';
import { SMALL_UNET_JSON } from './testConfigs';
import { UNet, UNetInputError } from './unet';

const SMALL = { ...SMALL_UNET_JSON, dropout: 0.3 };

const input = (n = 2, side = 8, c = 3) =>
  tf.randomNormal([n, side, side, c], 0, 1, 'float32', 11) as tf.Tensor4D;

async function values(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('UNet', () => {
  let config: UNetConfig;
  let model: UNet;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    config = parseUNetConfig(SMALL);
    model = new UNet(config, { seed: 7, init: 'pytorch' });
  });
  afterAll(() => model.dispose());

  it('maps NHWC [B,H,W,in] to [B,H,W,out]', () => {
    const m = new UNet(parseUNetConfig({ ...SMALL, out_channels: 2 }), { seed: 1 });
    const x = input(3, 16);
    const y = m.apply(x, tf.tensor1d([1, 2, 3]), { training: false });
    expect(y.shape).toEqual([3, 16, 16, 2]);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('is deterministic in eval mode, and dropout only acts while training', async () => {
    const x = input();
    const t = tf.tensor1d([5, 600]);
    const eval1 = await values(model.apply(x, t, { training: false }));
    const eval2 = await values(model.apply(x, t, { training: false }));
    const train1 = await values(model.apply(x, t, { training: true, dropout: { seed: 3, step: 0 } }));
    const train2 = await values(model.apply(x, t, { training: true, dropout: { seed: 3, step: 0 } }));
    const train3 = await values(model.apply(x, t, { training: true, dropout: { seed: 4, step: 0 } }));
    expect(eval2).toEqual(eval1);
    expect(train2).toEqual(train1);
    expect(train1).not.toEqual(eval1);
    expect(train3).not.toEqual(train1);
    tf.dispose([x, t]);
  });

  it('gives each sample its own timestep', async () => {
    const one = input(1);
    const x = tf.concat([one, one]);
    const y = await values(model.apply(x, tf.tensor1d([10, 900]), { training: false }));
    const half = y.length / 2;
    expect(y.slice(0, half)).not.toEqual(y.slice(half));
    tf.dispose([one, x]);
  });

  it('takes int32 timesteps as well as float32', async () => {
    const x = input();
    const a = await values(model.apply(x, tf.tensor1d([3, 40], 'int32'), { training: false }));
    const b = await values(model.apply(x, tf.tensor1d([3, 40]), { training: false }));
    expect(a).toEqual(b);
    x.dispose();
  });

  it('leaks no tensors in apply or in a gradient step', () => {
    const x = input();
    const t = tf.tensor1d([1, 2]);
    const before = tf.memory().numTensors;
    tf.dispose(model.apply(x, t, { training: true }));
    const optimizer = tf.train.adam(1e-3);
    for (let i = 0; i < 2; i++) {
      const cost = optimizer.minimize(
        () => tf.mean(tf.square(model.apply(x, t, { training: true }))) as tf.Scalar,
        true,
        model.trainableVariables(),
      );
      cost?.dispose();
    }
    const afterFirst = tf.memory().numTensors;
    const cost = optimizer.minimize(
      () => tf.mean(tf.square(model.apply(x, t, { training: true }))) as tf.Scalar,
      true,
      model.trainableVariables(),
    );
    cost?.dispose();
    expect(tf.memory().numTensors).toBe(afterFirst); // Adam's slots are created on the first step only
    expect(afterFirst - before).toBe(2 * model.trainableVariables().length + 2); // m, v per variable + β powers
    optimizer.dispose();
    tf.dispose([x, t]);
  });

  it('rejects inputs it cannot take, saying why', () => {
    const t2 = tf.tensor1d([1, 2]);
    const check = (x: tf.Tensor, t: tf.Tensor, pattern: RegExp) => {
      expect(() => model.apply(x as tf.Tensor4D, t as tf.Tensor1D, { training: false })).toThrow(
        UNetInputError,
      );
      expect(() => model.apply(x as tf.Tensor4D, t as tf.Tensor1D, { training: false })).toThrow(pattern);
      x.dispose();
    };
    check(tf.zeros([2, 8, 8, 1]), t2, /1 channels .* in_channels = 3/);
    check(tf.zeros([2, 8, 7, 3]), t2, /8×7 must be divisible by 2\^\(levels−1\) = 2/);
    check(tf.zeros([2, 8, 8]), t2, /rank 4/);
    check(tf.zeros([3, 8, 8, 3]), t2, /shape \[3\]/);
    t2.dispose();
  });

  it('counts parameters as the plan does, and names variables per model', () => {
    expect(model.parameterCount()).toBe(countParameters(config));
    const other = new UNet(config, { seed: 7, init: 'pytorch' });
    expect(other.variable('conv_in.weight').name).not.toBe(model.variable('conv_in.weight').name);
    expect(() => other.variable('conv_in.kernel')).toThrow(/no parameter "conv_in.kernel"/);
    other.dispose();
  });

  it('with the BatchNorm ablation: running statistics move in training, stay out of the optimiser, and drive eval', async () => {
    const bn = new UNet(parseUNetConfig({ ...SMALL, dropout: 0, lab_norm_after_conv_in: 'batch' }), {
      seed: 2,
    });
    expect(bn.diffusersCompatible).toBe(false);
    expect(model.diffusersCompatible).toBe(true);
    const names = bn.trainableVariables().map((v) => v.name);
    expect(names.some((n) => n.endsWith('conv_in_norm.weight'))).toBe(true);
    expect(names.some((n) => n.endsWith('conv_in_norm.running_mean'))).toBe(false);
    expect(bn.parameterCount()).toBe(model.parameterCount() + 16);

    const x = tf.add(input(), 3) as tf.Tensor4D;
    const t = tf.tensor1d([1, 2]);
    const evalBefore = await values(bn.apply(x, t, { training: false }));
    expect(await values(bn.variable('conv_in_norm.running_mean').clone())).toEqual(new Array(8).fill(0));
    tf.dispose(bn.apply(x, t, { training: true }));
    expect((await values(bn.variable('conv_in_norm.running_mean').clone())).some((v) => v !== 0)).toBe(true);
    expect(await values(bn.apply(x, t, { training: false }))).not.toEqual(evalBefore);
    // Batch statistics couple the samples: a sample's training output depends on its batch mates.
    const pair = await values(bn.apply(x, t, { training: true }));
    const alone = await values(bn.apply(tf.slice(x, [0], [1]), tf.tensor1d([1]), { training: true }));
    expect(alone).not.toEqual(pair.slice(0, alone.length));
    tf.dispose([x, t]);
    bn.dispose();
  });
});
