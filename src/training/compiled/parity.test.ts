/**
 * The U-Net parity tests against PyTorch (scripts/reference/unet_reference.py) through the
 * compiled step: the forward pass, the input gradient and every parameter gradient computed by
 * the captured dispatch list replayed from its flat buffers, not by tfjs op by op.
 */
import * as tf from '@tensorflow/tfjs';
import { loadUNetFixture } from '../../../scripts/reference/unet_fixture_files';
import { UNET_FIXTURES, measureParity, type GradientEngine } from '../../../scripts/reference/unet_fixtures';
import { startWebGpu } from '../../model/webgpu/testing';
import { webGpuBackend } from './backend';
import { CompiledStep } from './compiledStep';
import { frozenStep } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`compiled parity tests skipped: ${unavailable}`);

/**
 * One compiled step of the pass with a zero step size: its statistics carry the output (as the
 * per-example values) and its flat gradient buffer every gradient; no weight moves.
 */
const compiledGradients: GradientEngine = async (pass, vars, group) => {
  const shape = tf.tidy(() => pass().output.shape);
  const size = shape.reduce((a, b) => a * b, 1);
  const step = new CompiledStep({
    backend: webGpuBackend(),
    vars,
    batch: size,
    ema: false,
    grouped: group,
    trace: (_indices, _key, grouped) => {
      let output: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const r = pass(grouped as tf.Tensor as tf.Tensor1D);
        output = tf.keep(tf.reshape(r.output, [-1]));
        return r.loss;
      }, [...vars, grouped]);
      const flat = output as tf.Tensor1D;
      return {
        loss: value,
        perExample: flat,
        t: tf.zerosLike(flat),
        grads: vars.map((v) => grads[v.name]),
        groupedGrad: grads[grouped.name],
      };
    },
  });
  const { stats, grads } = await frozenStep(step, vars, size);
  expect(stats.finite).toBe(true);
  return { output: tf.tensor(stats.perExampleLoss, shape), grads };
};

describe.skipIf(unavailable !== null)('U-Net parity with PyTorch through the compiled step', () => {
  // The compiled step never runs the BatchNorm ablation (the Trainer keeps it on tfjs ops).
  const fixtures = UNET_FIXTURES.filter((name) => name !== 'batchnorm_lab');
  it.each(fixtures)(
    '%s: forward within 1e-4, input and parameter gradients within 1e-3',
    async (name) => {
      const fx = loadUNetFixture(name);
      const r = await measureParity(fx, compiledGradients);
      expect(r.forward).toBeLessThan(1e-4);
      expect(r.gradSample).toBeLessThan(1e-3);
      expect(r.grads.size).toBe(fx.gradNames.length);
      for (const [param, err] of r.grads) expect(err, param).toBeLessThan(1e-3);
    },
    600_000,
  );
});
