/**
 * The reverse process on the GPU: starts from x_T ~ N(0, I), runs DDPM or DDIM steps with the
 * model, records x_t, x̂₀ and ε̂ along the way for the timeline, and returns the final images.
 * The schedule's scalars come from the diffusion core; noise comes from its seeded Rng, drawn on
 * the CPU and uploaded, so a run is reproducible on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Rng,
  brokenFinalStepCoefficients,
  createScheduler,
  resolveSchedulerConfig,
  stepCoefficients,
  type SchedulerConfig,
  type StepCoefficients,
} from '../diffusion';
import type { UNetConfig } from '../model/config';
import {
  frameBytes,
  frameCount,
  frameStride,
  toUint8,
  type FrameData,
  type ImageShape,
  type SampleFrame,
} from './frames';
import { gpuStep } from './gpuStep';
import {
  resolveSampleOptions,
  type FrameFormat,
  type ResolvedSampleOptions,
  type SampleOptions,
} from './options';

/**
 * What the runner needs of a network: the U-Net (raw or EMA weights) or any function of (x_t, t)
 * with the same contract. `apply` takes NHWC x_t and one float timestep per image.
 */
export interface DenoisingModel {
  apply(x: tf.Tensor4D, t: tf.Tensor1D, opts: { training: false }): tf.Tensor4D;
  readonly config: Pick<UNetConfig, 'in_channels' | 'out_channels' | 'sample_size'>;
}

/** A stream of standard normals; the core's `Rng` is one. */
export interface NormalSource {
  fillNormal(out: Float32Array): Float32Array;
}

/** What a run will produce, known before its first step (the timeline's size). */
export interface SamplePlan {
  shape: ImageShape;
  timesteps: number[];
  frameStride: number;
  frameCount: number;
  frameFormat: FrameFormat;
}

/** How a run talks to its caller. All optional. */
export interface SampleHooks {
  /** Called once, after the options are checked and before the first step. */
  onStart?(plan: SamplePlan): void;
  /** Called after every step with (steps done, total steps). */
  onProgress?(done: number, total: number): void;
  /** Receives each recorded frame; the runner keeps no reference, so its buffers may be transferred. */
  onFrame?(frame: SampleFrame): void;
  /** Checked before every step; once `aborted`, the run stops with {@link SampleCancelledError}. */
  signal?: { readonly aborted: boolean };
  /**
   * Replaces the seeded noise: returns image i's normals, drawn in run order (x_T first, then z
   * of each step that adds noise), HWC per draw. Default: {@link seededNoise}.
   */
  noiseFor?(image: number): NormalSource;
}

/** A finished run. */
export interface SampleResult {
  /** Final images, uint8 NHWC ([−1, 1] → 0..255). */
  images: Uint8Array;
  shape: ImageShape;
  /** The timesteps visited, in order. */
  timesteps: number[];
  /** Every `frameStride`-th step was recorded (0: none); 1 means every step. */
  frameStride: number;
  frameCount: number;
  timing: { totalMs: number; msPerStep: number };
}

/** A run stopped through `hooks.signal`; every tensor it held has been freed. */
export class SampleCancelledError extends Error {
  override readonly name = 'SampleCancelledError';
  constructor(
    readonly stepsDone: number,
    readonly totalSteps: number,
  ) {
    super(`sampling cancelled after ${stepsDone} of ${totalSteps} steps`);
  }
}

/**
 * Image i's noise generator for a seed: a master Rng(seed) deals one 53-bit seed per image, so an
 * image's noise does not depend on how many images run beside it or on the batch cap.
 */
export function seededNoise(seed: number, numImages: number): Rng[] {
  const master = new Rng(seed);
  return Array.from(
    { length: numImages },
    () => new Rng(master.nextUint32() * 2 ** 21 + (master.nextUint32() >>> 11)),
  );
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
  const started = performance.now();
  const config = resolveSchedulerConfig(schedule);
  const o = resolveSampleOptions(options, config);
  const scheduler = createScheduler(o.sampler, {
    ...config,
    clip_sample: o.clip,
    variance_type: o.varianceType,
  });
  const timesteps = scheduler.setTimesteps(o.numInferenceSteps);
  const steps = timesteps.map((t) => stepCoefficients(scheduler, t, scheduler.previousTimestep(t), o.eta));
  // The learner's last step reuses the step before it's ε̂ (no model call): keep that output.
  const broken = o.brokenFinalStep;
  if (broken) {
    const last = steps.length - 1;
    steps[last] = brokenFinalStepCoefficients(scheduler, timesteps[last], timesteps[last - 1]);
  }
  const shape = imageShape(model, o.numImages);
  const stride = frameStride(steps.length, frameBytes(shape, o.frameFormat), o.frameBudgetBytes);
  const noise = hooks.noiseFor
    ? Array.from({ length: shape.numImages }, (_, i) => hooks.noiseFor!(i))
    : seededNoise(o.seed, shape.numImages);

  const frames = frameCount(steps.length, stride);
  hooks.onStart?.({ shape, timesteps, frameStride: stride, frameCount: frames, frameFormat: o.frameFormat });

  let x = upload(drawNoise(noise, shape), shape);
  let kept: tf.Tensor4D | null = null;
  try {
    for (let i = 0; i < steps.length; i++) {
      if (hooks.signal?.aborted) throw new SampleCancelledError(i, steps.length);
      const last = i === steps.length - 1;
      const next = await runStep(
        model,
        steps[i],
        x,
        noise,
        shape,
        o,
        stride > 0 && i % stride === 0 ? i : -1,
        hooks,
        broken && last ? kept : null,
        broken && i === steps.length - 2,
      );
      x.dispose();
      x = next.prev;
      if (next.modelOutput) kept = next.modelOutput;
      hooks.onProgress?.(i + 1, steps.length);
      // A macrotask, so a worker can receive a cancel message between steps.
      await nextMacrotask();
    }
    const images = toUint8((await x.data()) as Float32Array);
    const totalMs = performance.now() - started;
    return {
      images,
      shape,
      timesteps,
      frameStride: stride,
      frameCount: frames,
      timing: { totalMs, msPerStep: totalMs / steps.length },
    };
  } finally {
    x.dispose();
    kept?.dispose();
  }
}

/**
 * One step for all images: model calls in chunks of maxBatch (or `reuse`, an earlier step's
 * output, without calling the model), the update, and the frame if recorded (`record` ≥ 0).
 * With `keepModelOutput` the model output is returned too, for the caller to dispose.
 */
async function runStep(
  model: DenoisingModel,
  c: StepCoefficients,
  x: tf.Tensor4D,
  noise: NormalSource[],
  shape: ImageShape,
  o: ResolvedSampleOptions,
  record: number,
  hooks: SampleHooks,
  reuse: tf.Tensor4D | null,
  keepModelOutput: boolean,
): Promise<{ prev: tf.Tensor4D; modelOutput?: tf.Tensor4D }> {
  const z = c.sigma > 0 ? upload(drawNoise(noise, shape), shape) : null;
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
        record >= 0 ? tf.stack([x, r.x0, r.eps]) : undefined,
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
    const n = values.length / 3;
    const part = (k: number): FrameData => {
      const v = values.slice(k * n, (k + 1) * n);
      return o.frameFormat === 'uint8' ? toUint8(v) : v;
    };
    const { t, prevT, alphaBar, sigma } = c;
    hooks.onFrame?.({ step: record, t, prevT, alphaBar, sigma, xt: part(0), x0: part(1), eps: part(2) });
  }
  return { prev, modelOutput };
}

function imageShape(model: DenoisingModel, numImages: number): ImageShape {
  const { in_channels: channels, out_channels: out, sample_size: size } = model.config;
  if (out !== channels) {
    throw new RangeError(
      `the model outputs ${out} channels but takes ${channels}; sampling needs a prediction of the sample's shape (out_channels = in_channels)`,
    );
  }
  if (size === null) {
    throw new RangeError(
      'the model config has no sample_size, so the image size to sample is unknown; set sample_size in its config',
    );
  }
  const [height, width] = typeof size === 'number' ? [size, size] : size;
  return { numImages, height, width, channels };
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

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
