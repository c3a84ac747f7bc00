/**
 * Every reverse step, DDPM or DDIM, written as one linear recipe with per-step scalars:
 *
 *   x̂₀     = x0FromSample·x_t + x0FromModel·m                (m: the model output)
 *   x̂₀     ← clip(x̂₀, −clipRange, clipRange)                 (when clip_sample)
 *   x_prev = prevFromX0·x̂₀ + prevFromSample·x_t + prevFromModel·m + sigma·z
 *
 * The scheduler's `step()` runs {@link applyStep} on these scalars and the tfjs sampler runs the
 * same scalars on the GPU, so the two paths cannot drift apart.
 */
import { SchedulerConfigError, type SchedulerConfig, type SchedulerKind } from './config';
import { inferenceTimesteps, previousTimestep } from './timesteps';

/** What the coefficient functions read from a scheduler (a {@link Scheduler} is one). */
export interface ScheduleTables {
  readonly kind: SchedulerKind;
  readonly config: SchedulerConfig;
  readonly betas: Float64Array;
  readonly alphasCumprod: Float64Array;
}

/** The scalars of one reverse step from `t` to `prevT` (see the module comment for the recipe). */
export interface StepCoefficients {
  readonly t: number;
  /** The timestep landed on; −1 means "before t = 0". */
  readonly prevT: number;
  readonly alphaBar: number;
  readonly alphaBarPrev: number;
  readonly x0FromSample: number;
  readonly x0FromModel: number;
  /** Half-width of the x̂₀ clip, or null when clip_sample is off. */
  readonly clipRange: number | null;
  readonly prevFromX0: number;
  readonly prevFromSample: number;
  readonly prevFromModel: number;
  /** Standard deviation σ of the fresh noise z; 0 means the step draws no noise. */
  readonly sigma: number;
}

/** One entry of a sampling run's timeline: where it starts, lands, and how much noise it adds. */
export interface PlannedStep {
  readonly t: number;
  readonly prevT: number;
  readonly alphaBar: number;
  readonly alphaBarPrev: number;
  readonly sigma: number;
}

/** Per-t tables for the trainer's forward process x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε (Ho et al. 2020 eq. 4). */
export interface TrainingCoefficients {
  readonly sqrtAlphaBar: Float32Array;
  readonly sqrtOneMinusAlphaBar: Float32Array;
}

/** diffusers' floor on the posterior variance, so its log (the *_log variance kinds) stays finite. */
const MIN_VARIANCE = 1e-20;

/**
 * ᾱ at `prevT`. Before t = 0 (prevT = −1) there is no noise left: ᾱ = 1, except in DDIM with
 * set_alpha_to_one false, which reuses ᾱ_0 (DDIM paper's code).
 */
function alphaBarAt(s: ScheduleTables, prevT: number): number {
  if (prevT >= 0) return s.alphasCumprod[prevT];
  return s.kind === 'ddim' && !s.config.set_alpha_to_one ? s.alphasCumprod[0] : 1;
}

/**
 * σ²_t of a step from t to prevT. For DDPM by variance_type: fixed_small(_log) is the posterior
 * variance β̃ = (1−ᾱ_prev)/(1−ᾱ_t)·β (Ho et al. 2020 eq. 7), floored at 1e-20; fixed_large(_log) is
 * β (§3.2: "σ²_t = β_t"). With skipped steps β is the effective 1 − ᾱ_t/ᾱ_prev, as in diffusers.
 * The _log kinds only change how diffusers stores the number, not the noise drawn (diffusers'
 * fixed_large_log step takes √log β and returns NaN; GLIDE's intent, σ = √β, is used here).
 * For DDIM it is Song et al. 2020 eq. 16 at η = 1: (1−ᾱ_prev)/(1−ᾱ_t)·(1 − ᾱ_t/ᾱ_prev).
 */
export function stepVariance(s: ScheduleTables, t: number, prevT: number): number {
  checkStep(s, t, prevT);
  const alphaBar = s.alphasCumprod[t];
  const alphaBarPrev = alphaBarAt(s, prevT);
  const beta = 1 - alphaBar / alphaBarPrev;
  const posterior = ((1 - alphaBarPrev) / (1 - alphaBar)) * beta;
  if (s.kind === 'ddim') return posterior;
  const large = s.config.variance_type === 'fixed_large' || s.config.variance_type === 'fixed_large_log';
  return large ? beta : Math.max(posterior, MIN_VARIANCE);
}

/**
 * The scalars of one reverse step (module comment). DDPM: posterior mean μ̃(x_t, x̂₀) of Ho et al.
 * 2020 eq. 7 plus σ·z for t > 0 (diffusers adds noise whenever t > 0, so with steps_offset the
 * last step at t = 1 adds noise too). DDIM: Song et al. 2020 eq. 12, x_prev = √ᾱ_prev·x̂₀ +
 * √(1−ᾱ_prev−σ²)·ε̂ + σ·z with σ = η·√(eq. 16). ε̂ comes from the unclipped model output unless
 * `useClippedModelOutput` (diffusers' default is false), which re-derives it from the clipped x̂₀.
 * `eta` (in [0, 1]) and `useClippedModelOutput` only affect DDIM.
 */
export function stepCoefficients(
  s: ScheduleTables,
  t: number,
  prevT: number,
  eta = 0,
  useClippedModelOutput = false,
): StepCoefficients {
  if (typeof eta !== 'number' || !(eta >= 0 && eta <= 1)) {
    throw new SchedulerConfigError(
      'eta',
      eta,
      'allowed: a number from 0 (deterministic DDIM) to 1 (DDPM-like noise)',
    );
  }
  const variance = stepVariance(s, t, prevT);
  const alphaBar = s.alphasCumprod[t];
  const alphaBarPrev = alphaBarAt(s, prevT);
  const sqrtAb = Math.sqrt(alphaBar);
  const sqrtOneMinusAb = Math.sqrt(1 - alphaBar);
  const clipRange = s.config.clip_sample ? s.config.clip_sample_range : null;

  // x̂₀ from the model output: eq. 15 of Ho et al. for ε; identity for x₀; x₀ = √ᾱ·x_t − √(1−ᾱ)·v.
  const [x0FromSample, x0FromModel] = {
    epsilon: [1 / sqrtAb, -sqrtOneMinusAb / sqrtAb],
    sample: [0, 1],
    v_prediction: [sqrtAb, -sqrtOneMinusAb],
  }[s.config.prediction_type];
  const base = { t, prevT, alphaBar, alphaBarPrev, x0FromSample, x0FromModel, clipRange };

  if (s.kind === 'ddpm') {
    const beta = 1 - alphaBar / alphaBarPrev;
    return {
      ...base,
      prevFromX0: (Math.sqrt(alphaBarPrev) * beta) / (1 - alphaBar),
      prevFromSample: (Math.sqrt(1 - beta) * (1 - alphaBarPrev)) / (1 - alphaBar),
      prevFromModel: 0,
      sigma: t > 0 ? Math.sqrt(variance) : 0,
    };
  }

  const sigma = eta * Math.sqrt(variance);
  // Non-negative for η ≤ 1; the floor only guards against rounding at ᾱ_prev = 1.
  const direction = Math.sqrt(Math.max(0, 1 - alphaBarPrev - sigma * sigma));
  if (useClippedModelOutput) {
    // ε̂ = (x_t − √ᾱ·x̂₀)/√(1−ᾱ) with the clipped x̂₀.
    return {
      ...base,
      prevFromX0: Math.sqrt(alphaBarPrev) - (direction * sqrtAb) / sqrtOneMinusAb,
      prevFromSample: direction / sqrtOneMinusAb,
      prevFromModel: 0,
      sigma,
    };
  }
  // ε̂ = epsFromSample·x_t + epsFromModel·m, from the unclipped prediction.
  const [epsFromSample, epsFromModel] = {
    epsilon: [0, 1],
    sample: [1 / sqrtOneMinusAb, -sqrtAb / sqrtOneMinusAb],
    v_prediction: [sqrtOneMinusAb, sqrtAb],
  }[s.config.prediction_type];
  return {
    ...base,
    prevFromX0: Math.sqrt(alphaBarPrev),
    prevFromSample: direction * epsFromSample,
    prevFromModel: direction * epsFromModel,
    sigma,
  };
}

/**
 * Runs the recipe of {@link StepCoefficients} elementwise in Float64, returning x_prev and the
 * (clipped) x̂₀. `noise` is z, required when sigma > 0 and ignored otherwise.
 */
export function applyStep(
  c: StepCoefficients,
  modelOutput: Float32Array,
  sample: Float32Array,
  noise: Float32Array | null,
): { prevSample: Float32Array; predOriginalSample: Float32Array } {
  const n = sample.length;
  if (modelOutput.length !== n) {
    throw new RangeError(
      `step: modelOutput has ${modelOutput.length} values but sample has ${n}; they must match`,
    );
  }
  if (c.sigma > 0 && (noise === null || noise.length !== n)) {
    throw new RangeError(
      `step at t = ${c.t}: needs ${n} noise values, got ${noise === null ? 'none' : noise.length}`,
    );
  }
  const prevSample = new Float32Array(n);
  const predOriginalSample = new Float32Array(n);
  const r = c.clipRange;
  for (let i = 0; i < n; i++) {
    const x = sample[i];
    const m = modelOutput[i];
    let x0 = c.x0FromSample * x + c.x0FromModel * m;
    if (r !== null) x0 = x0 < -r ? -r : x0 > r ? r : x0;
    predOriginalSample[i] = x0;
    let prev = c.prevFromX0 * x0 + c.prevFromSample * x + c.prevFromModel * m;
    if (c.sigma > 0) prev += c.sigma * (noise as Float32Array)[i];
    prevSample[i] = prev;
  }
  return { prevSample, predOriginalSample };
}

/** √ᾱ_t and √(1−ᾱ_t) for every t, in Float32 as the trainer uploads them to the GPU. */
export function trainingCoefficients(s: ScheduleTables): TrainingCoefficients {
  return {
    sqrtAlphaBar: Float32Array.from(s.alphasCumprod, (ab) => Math.sqrt(ab)),
    sqrtOneMinusAlphaBar: Float32Array.from(s.alphasCumprod, (ab) => Math.sqrt(1 - ab)),
  };
}

/**
 * The (t, prevT) pairs of a `numSteps`-step sampling run with ᾱ at both ends and the noise σ each
 * step adds, computed from the config alone (the scheduler's own timesteps are left untouched).
 */
export function stepPlan(s: ScheduleTables, numSteps: number, eta = 0): PlannedStep[] {
  const timesteps = inferenceTimesteps(s.config, numSteps);
  return timesteps.map((t, i) => {
    const c = stepCoefficients(s, t, previousTimestep(timesteps, i), eta);
    return { t, prevT: c.prevT, alphaBar: c.alphaBar, alphaBarPrev: c.alphaBarPrev, sigma: c.sigma };
  });
}

/** Throws unless t is one of the trained timesteps 0..T−1. */
export function checkTimestep(s: ScheduleTables, t: number): void {
  const T = s.config.num_train_timesteps;
  if (!Number.isSafeInteger(t) || t < 0 || t >= T) {
    throw new RangeError(`timestep t = ${t} is not allowed; it must be an integer in 0..${T - 1}`);
  }
}

/** Throws unless t is a trained timestep and prevT is −1 or an earlier one. */
function checkStep(s: ScheduleTables, t: number, prevT: number): void {
  checkTimestep(s, t);
  if (!Number.isSafeInteger(prevT) || prevT < -1 || prevT >= t) {
    throw new RangeError(
      `previous timestep ${prevT} for t = ${t} is not allowed; it must be an integer in −1..${t - 1}`,
    );
  }
}

/**
 * The learner's last reverse step (`sampling.brokenFinalStep`), as the same linear recipe so the
 * GPU step runs it unchanged. Their loop ran t = T−1 … 1 and then, outside it, reused the loop's
 * last `t` and ε̂ without calling the model at t = 0:
 *
 *   x ← (x − (1−α_t')/√(1−α_t') · ε̂_t') / √α_t',   α_t' = 1 − β_t' (the single-step α, not ᾱ)
 *
 * instead of the posterior mean's β_t/√(1−ᾱ_t). `previousT` is t' (the step before the last);
 * `t` the last step's own timestep (0 with every step), recorded on the timeline. The runner
 * feeds it the previous step's model output, which for ε-prediction is ε̂ itself; `alphaBar` is
 * set to α_t' so the timeline's ε̂ of this step is that reused ε̂. No clipping, no noise.
 */
export function brokenFinalStepCoefficients(
  s: ScheduleTables,
  t: number,
  previousT: number,
): StepCoefficients {
  if (s.config.prediction_type !== 'epsilon')
    throw new SchedulerConfigError(
      'prediction_type',
      s.config.prediction_type,
      'the learner’s final step reuses ε̂, so it needs prediction_type "epsilon"',
    );
  if (!Number.isInteger(previousT) || previousT < 0 || previousT >= s.betas.length)
    throw new RangeError(
      `brokenFinalStepCoefficients: previous timestep ${previousT} is outside 0..${s.betas.length - 1}`,
    );
  const alpha = 1 - s.betas[previousT];
  return {
    t,
    prevT: -1,
    alphaBar: alpha,
    alphaBarPrev: 1,
    x0FromSample: 1 / Math.sqrt(alpha),
    // (1−α)/√(1−α) is √(1−α): the learner's coefficient, written as they wrote it would cancel.
    x0FromModel: -Math.sqrt(1 - alpha) / Math.sqrt(alpha),
    clipRange: null,
    prevFromX0: 1,
    prevFromSample: 0,
    prevFromModel: 0,
    sigma: 0,
  };
}
