import * as tf from '@tensorflow/tfjs';
import { UNET_FIXTURES, loadUNetFixture } from '../../scripts/reference/unet_fixtures';
import { nchwToNhwc, nhwcToNchw } from '../io/layout';
import { parseUNetConfig } from './config';
import { paramSpecs } from './plan';
import { toTorchLayout, type StateTensor } from './stateDict';
import { UNet } from './unet';

/** max |a − b| / max |b|: one number per tensor, independent of where the large values are. */
function relErr(actual: Float32Array, expected: StateTensor): number {
  expect(actual.length).toBe(expected.data.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected.data[i]));
    scale = Math.max(scale, Math.abs(expected.data[i]));
  }
  expect(scale).toBeGreaterThan(0);
  return diff / scale;
}

const toNhwc = (t: StateTensor) => {
  const { data, shape } = nchwToNhwc(t.data, t.shape);
  return tf.tensor4d(data, shape as [number, number, number, number]);
};

async function toNchw(t: tf.Tensor): Promise<Float32Array> {
  return nhwcToNchw((await t.data()) as Float32Array, t.shape).data;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(UNET_FIXTURES)('parity with the PyTorch reference: %s', (name) => {
  const fx = loadUNetFixture(name);
  const config = parseUNetConfig(fx.config);
  const isBatchNorm = config.lab_norm_after_conv_in === 'batch';
  let model: UNet;

  beforeAll(() => {
    model = new UNet(config, { seed: 1 });
    model.loadStateDict(fx.weights);
  });
  afterAll(() => model.dispose());

  it('matches the forward output within 1e-4 and the gradients within 1e-3', async () => {
    const t = tf.tensor1d(fx.get('timestep').data);
    const target = toNhwc(fx.get('target'));
    const x = tf.variable(toNhwc(fx.get('sample')), true, `parity_${name}_x`);

    if (isBatchNorm) {
      // Running statistics first, before the training pass below moves them.
      const yEval = model.apply(x, t, { training: false });
      expect(relErr(await toNchw(yEval), fx.get('output_eval'))).toBeLessThan(1e-4);
      yEval.dispose();
    }

    let output: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const y = model.apply(x, t, { training: isBatchNorm });
      output = tf.keep(y.clone());
      return tf.losses.meanSquaredError(target, y) as tf.Scalar;
    }, [...model.trainableVariables(), x]);

    expect(relErr(await toNchw(output!), fx.get('output'))).toBeLessThan(1e-4);
    expect(relErr(await toNchw(grads[x.name]), fx.get('grad.sample'))).toBeLessThan(1e-3);

    const specs = new Map(paramSpecs(model.plan).map((s) => [s.name, s]));
    expect(fx.gradNames.length).toBeGreaterThan(4);
    for (const param of fx.gradNames) {
      const v = model.variable(param);
      const g = grads[v.name];
      const torch = toTorchLayout(specs.get(param)!, (await g.data()) as Float32Array, g.shape);
      expect(relErr(torch.data, fx.get(`grad.${param}`)), param).toBeLessThan(1e-3);
    }

    if (isBatchNorm) {
      const state = await model.getStateDict();
      expect(relErr(state.get('conv_in_norm.running_mean')!.data, fx.get('running_mean_after'))).toBeLessThan(1e-5);
      expect(relErr(state.get('conv_in_norm.running_var')!.data, fx.get('running_var_after'))).toBeLessThan(1e-5);
    }
    tf.dispose([value, output!, x, t, target, ...Object.values(grads)]);
  });
});
