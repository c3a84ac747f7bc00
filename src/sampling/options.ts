/**
 * Sampling options: one type, its defaults and its validation, shared by the UI form, the worker
 * and the CLI (no tfjs here, so the page can import it).
 */
import type { SchedulerConfig, SchedulerKind, VarianceType } from '../diffusion';

/** How a sampling run is set up. Everything but `sampler` and `numInferenceSteps` has a default. */
export interface SampleOptions {
  /** Ancestral DDPM (Ho et al. 2020) or DDIM (Song et al. 2020), both on the trained betas. */
  sampler: SchedulerKind;
  /** Reverse steps, 1 to the model's T; fewer than T skips timesteps (`timestep_spacing`). */
  numInferenceSteps: number;
  /** DDIM's η in [0, 1] (0: deterministic); DDPM ignores it. */
  eta?: number;
  /** Images in the run, 1 to 64. */
  numImages?: number;
  /** Seeds the starting noise x_T and every step's fresh noise; the same seed gives the same images. */
  seed?: number;
  /** Clip x̂₀ to ±clip_sample_range; default: the schedule's `clip_sample`. */
  clip?: boolean;
  /**
   * DDPM's step variance for this run, overriding the schedule's `variance_type` (which stays as
   * stored): `fixed_small` σ²_t = β̃_t (the posterior variance), `fixed_large` σ²_t = β_t (the
   * released CIFAR-10 checkpoint's choice). DDIM ignores it (its σ comes from η).
   */
  varianceType?: SamplingVariance;
  /** Most images per model call: a cap on activation memory; the images still advance together. */
  maxBatch?: number;
  /** Bytes the recorded frames may take (default 256 MB); 0 records none. Beyond it, a stride. */
  frameBudgetBytes?: number;
  /** `uint8` ([-1, 1] → 0..255, for display) or `float32` (exact values, for files). */
  frameFormat?: FrameFormat;
  /**
   * The learner's last step (`sampling.brokenFinalStep`): no model call at the last timestep; the
   * previous step's ε̂ and single-step α reused (diffusion core, `brokenFinalStepCoefficients`).
   */
  brokenFinalStep?: boolean;
}

/** The variance types a sampling run may choose (the log variants give the same σ). */
export const SAMPLING_VARIANCES = ['fixed_small', 'fixed_large'] as const;
export type SamplingVariance = (typeof SAMPLING_VARIANCES)[number];

/** How recorded frames hold their values. */
export type FrameFormat = 'uint8' | 'float32';

/** {@link SampleOptions} with every default filled in (the variance type may be the schedule's own). */
export type ResolvedSampleOptions = Required<Omit<SampleOptions, 'varianceType'>> & {
  varianceType: VarianceType;
};

/** Why each default: 16 images fill a 4×4 preview grid; 256 MB keeps a browser tab comfortable. */
export const DEFAULT_SAMPLE_OPTIONS = Object.freeze({
  eta: 0,
  numImages: 16,
  seed: 0,
  maxBatch: 16,
  frameBudgetBytes: 256 * 2 ** 20,
  frameFormat: 'uint8' as FrameFormat,
  brokenFinalStep: false,
});

/** Most images in one run: 64 fills an 8×8 grid and bounds the frame memory. */
export const MAX_IMAGES = 64;

/** An invalid sampling option; `key` names it and the message says what is allowed. */
export class SampleOptionsError extends Error {
  override readonly name = 'SampleOptionsError';
  constructor(
    readonly key: string,
    readonly value: unknown,
    allowed: string,
  ) {
    super(`sampling option ${key} = ${JSON.stringify(value) ?? String(value)} is not allowed; ${allowed}`);
  }
}

const KEYS: readonly (keyof SampleOptions)[] = [
  'sampler',
  'numInferenceSteps',
  'eta',
  'numImages',
  'seed',
  'clip',
  'varianceType',
  'maxBatch',
  'frameBudgetBytes',
  'frameFormat',
  'brokenFinalStep',
];

/**
 * Fills defaults and checks every option; `clip` and `varianceType` default to the schedule's
 * `clip_sample` and `variance_type`. `numInferenceSteps` is checked against T where the schedule
 * is known (the diffusion core).
 */
export function resolveSampleOptions(
  options: SampleOptions,
  schedule: Pick<SchedulerConfig, 'clip_sample' | 'variance_type'>,
): ResolvedSampleOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SampleOptionsError('options', options, 'expected an object of sampling options');
  }
  for (const key of Object.keys(options)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new SampleOptionsError(
        key,
        (options as unknown as Record<string, unknown>)[key],
        `unknown option; allowed: ${KEYS.join(', ')}`,
      );
    }
  }
  const o: ResolvedSampleOptions = {
    ...DEFAULT_SAMPLE_OPTIONS,
    clip: schedule.clip_sample,
    varianceType: schedule.variance_type,
    ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SampleOptions),
  };
  if (o.sampler !== 'ddpm' && o.sampler !== 'ddim')
    throw new SampleOptionsError('sampler', o.sampler, 'allowed: "ddpm", "ddim"');
  integer('numInferenceSteps', o.numInferenceSteps, 1, Number.MAX_SAFE_INTEGER);
  if (typeof o.eta !== 'number' || !(o.eta >= 0 && o.eta <= 1)) {
    throw new SampleOptionsError('eta', o.eta, 'allowed: a number from 0 (deterministic DDIM) to 1');
  }
  integer('numImages', o.numImages, 1, MAX_IMAGES);
  integer('seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (typeof o.clip !== 'boolean') throw new SampleOptionsError('clip', o.clip, 'allowed: true or false');
  if (
    options.varianceType !== undefined &&
    !(SAMPLING_VARIANCES as readonly unknown[]).includes(o.varianceType)
  )
    throw new SampleOptionsError('varianceType', o.varianceType, 'allowed: "fixed_small", "fixed_large"');
  integer('maxBatch', o.maxBatch, 1, MAX_IMAGES);
  integer('frameBudgetBytes', o.frameBudgetBytes, 0, Number.MAX_SAFE_INTEGER);
  if (o.frameFormat !== 'uint8' && o.frameFormat !== 'float32') {
    throw new SampleOptionsError('frameFormat', o.frameFormat, 'allowed: "uint8", "float32"');
  }
  if (typeof o.brokenFinalStep !== 'boolean')
    throw new SampleOptionsError('brokenFinalStep', o.brokenFinalStep, 'allowed: true or false');
  if (o.brokenFinalStep && o.numInferenceSteps < 2)
    throw new SampleOptionsError(
      'brokenFinalStep',
      o.brokenFinalStep,
      'the learner’s last step reuses the step before it, so it needs at least 2 steps',
    );
  return o;
}

function integer(key: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new SampleOptionsError(
      key,
      v,
      `allowed: an integer ${min === Number.MIN_SAFE_INTEGER ? '(any safe integer)' : range}`,
    );
  }
}
