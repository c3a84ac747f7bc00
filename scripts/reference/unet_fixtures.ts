/**
 * Reads the parity fixtures that unet_reference.py writes (see its docstring for the contents) and
 * measures the tfjs model against them on whatever tfjs backend is active. Used by the model's
 * parity test (CPU backend), by unet_parity.ts (any backend in Node) and by the browser parity e2e
 * test (WebGPU in Chromium). `unet_fixture_files.ts` reads them from disk.
 */
import * as tf from '@tensorflow/tfjs';
import { nchwToNhwc, nhwcToNchw } from '../../src/io/layout';
import { readSafetensors } from '../../src/io/safetensors';
import { parseUNetConfig } from '../../src/model/config';
import { paramSpecs } from '../../src/model/plan';
import { toTorchLayout, type StateDict, type StateTensor } from '../../src/model/stateDict';
import { UNet } from '../../src/model/unet';

/** Fixture names, one per reference config. */
export const UNET_FIXTURES = [
  'attn_rgb_pad0',
  'plain_gray_pad1_flip',
  'multihead_nonsquare',
  'batchnorm_lab',
] as const;

/** One fixture: the config.json, the weights as a state dict, and the fixture.* tensors. */
export interface UNetFixture {
  path: string;
  config: unknown;
  weights: StateDict;
  gradNames: string[];
  get(name: string): StateTensor;
}

/** The file a fixture lives in, relative to this folder. */
export function unetFixtureFile(name: (typeof UNET_FIXTURES)[number]): string {
  return `fixtures/unet_${name}.safetensors`;
}

/** Parses a fixture file's bytes (no file system here, so a browser page can use it too). */
export function parseUNetFixture(path: string, bytes: Uint8Array): UNetFixture {
  const { tensors, metadata } = readSafetensors(bytes);
  const weights: StateDict = new Map([...tensors].filter(([k]) => !k.startsWith('fixture.')));
  const get = (key: string) => {
    const t = tensors.get(`fixture.${key}`);
    if (!t) throw new Error(`${path} has no tensor fixture.${key}`);
    return t;
  };
  return {
    path,
    config: JSON.parse(metadata.config),
    weights,
    gradNames: JSON.parse(metadata.grads) as string[],
    get,
  };
}

/** max |a − b| / max |b|: one number per tensor, independent of where the large values are. */
export function relErr(actual: Float32Array, expected: StateTensor): number {
  if (actual.length !== expected.data.length)
    throw new Error(`length ${actual.length} vs expected ${expected.data.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected.data[i]));
    scale = Math.max(scale, Math.abs(expected.data[i]));
  }
  if (scale === 0) throw new Error('the reference tensor is all zeros: a relative error means nothing');
  return diff / scale;
}

/** Relative errors of one fixture: forward output, input gradient, each named parameter gradient. */
export interface ParityResult {
  forward: number;
  /** BatchNorm fixture only: eval-mode output (running statistics) and the statistics after one training pass. */
  forwardEval?: number;
  runningStats?: number;
  gradSample: number;
  grads: Map<string, number>;
}

/**
 * One pass of the model as a gradient engine sees it: the loss and the output it came from. With
 * `timeProjections`, the pass reads the time projections' parameters from it (ApplyOptions).
 */
export type ParityPass = (timeProjections?: tf.Tensor1D) => { loss: tf.Scalar; output: tf.Tensor };

/**
 * Computes a pass's output and the gradients of its loss with respect to `vars` (in order):
 * tfjs' `variableGrads` by default, or another path to test (the compiled WebGPU step, which
 * reads the variables `group` names from one grouped vector, see UNet.timeProjectionGroup).
 */
export type GradientEngine = (
  pass: ParityPass,
  vars: tf.Variable[],
  group: ReturnType<UNet['timeProjectionGroup']>,
) => Promise<{ output: tf.Tensor; grads: tf.Tensor[] }>;

/** tfjs' own autodiff: the reference path. */
export const tfjsGradients: GradientEngine = async (pass, vars) => {
  let output: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const r = pass();
    output = tf.keep(r.output);
    return r.loss;
  }, vars);
  value.dispose();
  return { output: output as tf.Tensor, grads: vars.map((v) => grads[v.name]) };
};

/**
 * Loads the fixture's weights into a fresh UNet, runs the forward pass (eval mode; training mode
 * for the BatchNorm fixture, after an eval pass on the initial statistics) and the gradients of
 * MSE(output, target) with respect to the input and the named parameters.
 */
export async function measureParity(
  fx: UNetFixture,
  engine: GradientEngine = tfjsGradients,
): Promise<ParityResult> {
  const config = parseUNetConfig(fx.config);
  const isBatchNorm = config.lab_norm_after_conv_in === 'batch';
  const model = new UNet(config, { seed: 1 });
  model.loadStateDict(fx.weights);
  const toNhwc = (t: StateTensor) => {
    const { data, shape } = nchwToNhwc(t.data, t.shape);
    return tf.tensor4d(data, shape as [number, number, number, number]);
  };
  const toNchw = async (t: tf.Tensor) => nhwcToNchw((await t.data()) as Float32Array, t.shape).data;
  const t = tf.tensor1d(fx.get('timestep').data);
  const target = toNhwc(fx.get('target'));
  const sample = toNhwc(fx.get('sample'));
  const x = tf.variable(sample, true);
  sample.dispose();
  const result: Partial<ParityResult> = {};

  if (isBatchNorm) {
    const yEval = model.apply(x, t, { training: false });
    result.forwardEval = relErr(await toNchw(yEval), fx.get('output_eval'));
    yEval.dispose();
  }
  const vars = [...model.trainableVariables(), x];
  const { output, grads: gradList } = await engine(
    (timeProjections) => {
      const y = model.apply(x, t, { training: isBatchNorm, ...(timeProjections ? { timeProjections } : {}) });
      return { loss: tf.losses.meanSquaredError(target, y) as tf.Scalar, output: y };
    },
    vars,
    model.timeProjectionGroup(),
  );
  const grads = Object.fromEntries(vars.map((v, i) => [v.name, gradList[i]]));
  result.forward = relErr(await toNchw(output), fx.get('output'));
  result.gradSample = relErr(await toNchw(grads[x.name]), fx.get('grad.sample'));

  const specs = new Map(paramSpecs(model.plan).map((s) => [s.name, s]));
  result.grads = new Map();
  for (const param of fx.gradNames) {
    const g = grads[model.variable(param).name];
    const torch = toTorchLayout(specs.get(param)!, (await g.data()) as Float32Array, g.shape);
    result.grads.set(param, relErr(torch.data, fx.get(`grad.${param}`)));
  }
  if (isBatchNorm) {
    const state = await model.getStateDict();
    result.runningStats = Math.max(
      relErr(state.get('conv_in_norm.running_mean')!.data, fx.get('running_mean_after')),
      relErr(state.get('conv_in_norm.running_var')!.data, fx.get('running_var_after')),
    );
  }
  tf.dispose([output, x, t, target, ...gradList]);
  model.dispose();
  return result as ParityResult;
}
