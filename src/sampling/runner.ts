/**
 * The reverse process: starts from x_T ~ N(0, I), runs DDPM or DDIM steps with the model, records
 * x_t, x̂₀ and ε̂ along the way for the timeline, and returns the final images. On WebGPU a model
 * that lists its variables runs the compiled loop (`compiled/`); everywhere else, and as its
 * reference, the tfjs loop here. The schedule's scalars come from the diffusion core; noise comes
 * from the seed's counter-based draws (`drawSampleNoise`, on the GPU under WebGPU), so a run is
 * reproducible on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { SchedulerConfig, StepCoefficients } from '../diffusion';
import { drawSampleNoise } from '../random/draws';
import { compiledSamplerFor } from './compiled/compiledSampler';
import type { ImageShape } from './frames';
import { gpuStep } from './gpuStep';
import type { SampleOptions } from './options';
import {
  SampleCancelledError,
  frameOf,
  isRecorded,
  nextMacrotask,
  planRun,
  resultOf,
  samplePlan,
  type DenoisingModel,
  type NormalSource,
  type RunPlan,
  type SampleHooks,
  type SampleResult,
} from './run';
import { sampleNoiseWebGpu } from './webgpuNoise';

export {
  SampleCancelledError,
  type DenoisingModel,
  type NormalSource,
  type SampleHooks,
  type SamplePlan,
  type SampleResult,
} from './run';

/**
 * Images first … first + count − 1 of a seed's noise as streams: the k-th `fillNormal` of image
 * i is `drawSampleNoise(seed, first + i, k, …)` (draw 0 is x_T, then one per step that adds
 * noise), so an image's noise does not depend on how many images run beside it.
 */
export function seededNoise(seed: number, count: number, first = 0): NormalSource[] {
  return Array.from({ length: count }, (_, i) => {
    let draw = 0;
    return {
      fillNormal: (out: Float32Array) => {
        out.set(drawSampleNoise(seed, first + i, draw++, out.length));
        return out;
      },
    };
  });
}

/**
 * Runs the reverse process. `schedule` is the scheduler config the model was trained with;
 * `options.sampler` chooses DDPM or DDIM semantics on its betas. Throws SampleOptionsError or
 * SchedulerConfigError for bad settings, SampleCancelledError when cancelled.
 */
export async function sample(
  model: DenoisingModel,
  schedule: Partial<SchedulerConfig>,
  options: SampleOptions,
  hooks: SampleHooks = {},
): Promise<SampleResult> {
  const plan = planRun(model.config, schedule, options);
  const first = hooks.firstImage ?? 0;
  if (!Number.isSafeInteger(first) || first < 0 || first + plan.shape.numImages > 2 ** 32)
    throw new RangeError(
      `firstImage ${first} is not allowed; it must be an integer from 0 to 2^32 − numImages`,
    );
  hooks.onStart?.(samplePlan(plan));
  if (hooks.loop !== 'tfjs' && !hooks.noiseFor) {
    const compiled = compiledSamplerFor(model, plan.shape, plan.o.maxBatch);
    if (compiled) return compiled.run(plan, first, hooks);
  }
  return tfjsLoop(model, plan, hooks);
}

/** The tfjs loop: op by op on any backend, one model call per batch chunk per step. */
async function tfjsLoop(model: DenoisingModel, plan: RunPlan, hooks: SampleHooks): Promise<SampleResult> {
  const { steps } = plan;
  const normals = noiseOf(plan, hooks);
  let x = normals(0);
  let kept: tf.Tensor4D | null = null;
  try {
    for (let i = 0; i < steps.length; i++) {
      if (hooks.signal?.aborted) throw new SampleCancelledError(i, steps.length);
      const last = i === steps.length - 1;
      const reuse = plan.reuseLastOutput && last;
      const z = plan.draws[i] >= 0 ? normals(plan.draws[i]) : null;
      const next = await runStep(
        model,
        plan,
        i,
        x,
        z,
        hooks,
        reuse ? kept : null,
        plan.reuseLastOutput && i === steps.length - 2,
      );
      x.dispose();
      x = next.prev;
      if (next.modelOutput) kept = next.modelOutput;
      hooks.onProgress?.(i + 1, steps.length);
      await nextMacrotask();
    }
    return resultOf(plan, (await x.data()) as Float32Array, 'tfjs');
  } finally {
    x.dispose();
    kept?.dispose();
  }
}

/** Draw d of every image's normals as a tensor: the caller's sources, the GPU's or the host's Philox draws. */
function noiseOf(plan: RunPlan, hooks: SampleHooks): (draw: number) => tf.Tensor4D {
  const { shape, o } = plan;
  const first = hooks.firstImage ?? 0;
  if (!hooks.noiseFor && tf.getBackend() === 'webgpu')
    return (draw) => sampleNoiseWebGpu(o.seed, first, draw, shape);
  const sources = hooks.noiseFor
    ? Array.from({ length: shape.numImages }, (_, i) => hooks.noiseFor!(i))
    : seededNoise(o.seed, shape.numImages, first);
  // Sources are streams: draws are asked for in order, so the draw index is implicit.
  return () => upload(drawNoise(sources, shape), shape);
}

/**
 * Step i for all images: model calls in chunks of maxBatch (or `reuse`, an earlier step's output,
 * without calling the model), the update, and the frame if recorded. With `keepModelOutput` the
 * model output is returned too, for the caller to dispose. `z` is disposed here.
 */
async function runStep(
  model: DenoisingModel,
  plan: RunPlan,
  i: number,
  x: tf.Tensor4D,
  z: tf.Tensor4D | null,
  hooks: SampleHooks,
  reuse: tf.Tensor4D | null,
  keepModelOutput: boolean,
): Promise<{ prev: tf.Tensor4D; modelOutput?: tf.Tensor4D }> {
  const { shape, o } = plan;
  const c: StepCoefficients = plan.steps[i];
  let prev: tf.Tensor4D;
  let stacked: tf.Tensor | undefined;
  let modelOutput: tf.Tensor4D | undefined;
  try {
    [prev, stacked, modelOutput] = tf.tidy(() => {
      let m: tf.Tensor4D;
      if (reuse) m = reuse;
      else {
        const parts: tf.Tensor4D[] = [];
        for (let start = 0; start < shape.numImages; start += o.maxBatch) {
          const b = Math.min(o.maxBatch, shape.numImages - start);
          const chunk = b === shape.numImages ? x : tf.slice(x, [start, 0, 0, 0], [b, -1, -1, -1]);
          parts.push(model.apply(chunk, tf.fill([b], c.t, 'float32') as tf.Tensor1D, { training: false }));
        }
        m = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
      }
      checkOutput(m, x);
      const r = gpuStep(c, m, x, z);
      return [
        r.prevSample,
        isRecorded(plan, i) ? tf.stack([x, r.x0, r.eps]) : undefined,
        keepModelOutput ? m : undefined,
      ];
    }) as [tf.Tensor4D, tf.Tensor?, tf.Tensor4D?];
  } finally {
    z?.dispose();
  }
  if (stacked) {
    let values: Float32Array;
    try {
      values = (await stacked.data()) as Float32Array;
    } catch (e) {
      prev.dispose();
      throw e;
    } finally {
      stacked.dispose();
    }
    hooks.onFrame?.(frameOf(plan, i, values));
  }
  return { prev, modelOutput };
}

function checkOutput(m: tf.Tensor, x: tf.Tensor): void {
  if (m.shape.some((v, i) => v !== x.shape[i])) {
    throw new RangeError(
      `the model returned shape [${m.shape.join(', ')}] for input [${x.shape.join(', ')}]; they must match`,
    );
  }
}

/** N(0, I) for every image, each from its own source, laid out NHWC. */
function drawNoise(noise: NormalSource[], shape: ImageShape): Float32Array {
  const per = shape.height * shape.width * shape.channels;
  const out = new Float32Array(shape.numImages * per);
  noise.forEach((source, i) => source.fillNormal(out.subarray(i * per, (i + 1) * per)));
  return out;
}

function upload(values: Float32Array, s: ImageShape): tf.Tensor4D {
  return tf.tensor4d(values, [s.numImages, s.height, s.width, s.channels], 'float32');
}
