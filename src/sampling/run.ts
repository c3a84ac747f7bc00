/**
 * What both reverse-process loops share (the tfjs loop in `runner.ts`, the compiled WebGPU one in
 * `compiled/`): the caller's types, and the plan of a run made before its first step — the
 * checked options, every step's coefficients from the diffusion core, which draw of the seed's
 * noise each step adds, the image shape and which steps are recorded as frames.
 */
import type * as tf from '@tensorflow/tfjs';
import {
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
import {
  resolveSampleOptions,
  type FrameFormat,
  type ResolvedSampleOptions,
  type SampleLoop,
  type SampleOptions,
} from './options';

/**
 * What the runner needs of a network: the U-Net (raw or EMA weights) or any function of (x_t, t)
 * with the same contract. `apply` takes NHWC x_t and one float timestep per image. A model that
 * lists its `variables` (every tensor its forward reads that may change: weights, running
 * statistics) can be sampled by the compiled loop on WebGPU.
 */
export interface DenoisingModel {
  apply(x: tf.Tensor4D, t: tf.Tensor1D, opts: { training: false }): tf.Tensor4D;
  readonly config: Pick<UNetConfig, 'in_channels' | 'out_channels' | 'sample_size'>;
  variables?(): tf.Variable[];
}

/** A stream of standard normals. */
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
   * Image i of this run draws the seed's noise of image `firstImage + i` (default 0), so runs of
   * a few images each can make the images of one larger run.
   */
  firstImage?: number;
  /**
   * Replaces the seeded noise: returns image i's normals, drawn in run order (x_T first, then z
   * of each step that adds noise), HWC per draw. Such a run takes the tfjs loop.
   */
  noiseFor?(image: number): NormalSource;
  /**
   * Which loop runs: `auto` (default) the compiled one on WebGPU for a model that lists its
   * variables and seeded noise, else tfjs'; `tfjs` always the tfjs loop (the reference).
   */
  loop?: 'auto' | 'tfjs';
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
  /** Wall time, and which loop ran the steps (`compiled`: the WebGPU dispatch lists; `tfjs`: op by op). */
  timing: { totalMs: number; msPerStep: number; loop: SampleLoop };
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

/** A run, planned before its first step. */
export interface RunPlan {
  o: ResolvedSampleOptions;
  timesteps: number[];
  /** Each step's coefficients (the learner's last step has the core's broken ones). */
  steps: StepCoefficients[];
  /** Whether the last step reuses the previous step's model output instead of calling the model. */
  reuseLastOutput: boolean;
  /**
   * Which draw of the seed's noise each step adds as z (−1: none, σ = 0). Draw 0 is x_T, then
   * one per step with σ > 0, in step order.
   */
  draws: number[];
  shape: ImageShape;
  frameStride: number;
  frameCount: number;
  started: number;
}

/**
 * Checks the options and plans the run. `schedule` is the scheduler config the model was trained
 * with; `options.sampler` chooses DDPM or DDIM semantics on its betas. Throws SampleOptionsError
 * or SchedulerConfigError for bad settings.
 */
export function planRun(
  modelConfig: DenoisingModel['config'],
  schedule: Partial<SchedulerConfig>,
  options: SampleOptions,
): RunPlan {
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
  // The learner's last step reuses the step before it's ε̂ (no model call).
  const reuseLastOutput = o.brokenFinalStep;
  if (reuseLastOutput) {
    const last = steps.length - 1;
    steps[last] = brokenFinalStepCoefficients(scheduler, timesteps[last], timesteps[last - 1]);
  }
  let next = 1;
  const draws = steps.map((c) => (c.sigma > 0 ? next++ : -1));
  const shape = imageShape(modelConfig, o.numImages);
  const stride = frameStride(steps.length, frameBytes(shape, o.frameFormat), o.frameBudgetBytes);
  const frames = frameCount(steps.length, stride);
  return {
    o,
    timesteps,
    steps,
    reuseLastOutput,
    draws,
    shape,
    frameStride: stride,
    frameCount: frames,
    started,
  };
}

/** Whether step i of a run is recorded as a frame. */
export function isRecorded(plan: RunPlan, i: number): boolean {
  return plan.frameStride > 0 && i % plan.frameStride === 0;
}

/** The plan as `onStart` sees it. */
export function samplePlan(plan: RunPlan): SamplePlan {
  return {
    shape: plan.shape,
    timesteps: plan.timesteps,
    frameStride: plan.frameStride,
    frameCount: plan.frameCount,
    frameFormat: plan.o.frameFormat,
  };
}

/** Frame `step` from its values x_t, x̂₀, ε̂ laid end to end (float32, each NHWC). */
export function frameOf(plan: RunPlan, step: number, values: Float32Array): SampleFrame {
  const n = values.length / 3;
  const part = (k: number): FrameData => {
    const v = values.slice(k * n, (k + 1) * n);
    return plan.o.frameFormat === 'uint8' ? toUint8(v) : v;
  };
  const { t, prevT, alphaBar, sigma } = plan.steps[step];
  return { step, t, prevT, alphaBar, sigma, xt: part(0), x0: part(1), eps: part(2) };
}

/** The finished run's result from its final x (float32 NHWC). */
export function resultOf(plan: RunPlan, x: Float32Array, loop: SampleLoop): SampleResult {
  const totalMs = performance.now() - plan.started;
  return {
    images: toUint8(x),
    shape: plan.shape,
    timesteps: plan.timesteps,
    frameStride: plan.frameStride,
    frameCount: plan.frameCount,
    timing: { totalMs, msPerStep: totalMs / plan.steps.length, loop },
  };
}

/** A macrotask (a MessageChannel round trip), so a worker can receive a cancel message between steps. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

function imageShape(config: DenoisingModel['config'], numImages: number): ImageShape {
  const { in_channels: channels, out_channels: out, sample_size: size } = config;
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
