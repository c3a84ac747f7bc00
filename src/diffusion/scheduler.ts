/**
 * The DDPM / DDIM scheduler: diffusers' `DDPMScheduler` and `DDIMScheduler` semantics on typed
 * arrays. It holds no network; `step()` takes whatever the network predicted.
 */
import {
  applyStep,
  checkTimestep,
  stepCoefficients,
  stepVariance,
  type ScheduleTables,
} from './coefficients';
import { checkKind, resolveSchedulerConfig, type SchedulerConfig, type SchedulerKind } from './config';
import type { Rng } from './rng';
import { checkBetas, computeBetas, cumulativeAlphas } from './schedule';
import { inferenceTimesteps, previousTimestep } from './timesteps';

/** Options of one reverse step. */
export interface StepOptions {
  /** DDIM's η in [0, 1]: 0 is deterministic DDIM, 1 matches DDPM's posterior variance. Default 0; DDPM ignores it. */
  eta?: number;
  /** The fresh noise z (same length as the sample); give this or `rng` when the step adds noise. */
  noise?: Float32Array;
  /** Draws z when `noise` is not given. */
  rng?: Rng;
  /** DDIM: re-derive ε̂ from the clipped x̂₀ (diffusers' `use_clipped_model_output`, default false). */
  useClippedModelOutput?: boolean;
}

/** What a reverse step returns: x_prev, and the x̂₀ it predicted on the way (shown beside x_t). */
export interface StepResult {
  prevSample: Float32Array;
  predOriginalSample: Float32Array;
}

/** A configured noise scheduler; see {@link createScheduler}. */
export interface Scheduler extends ScheduleTables {
  readonly kind: SchedulerKind;
  /** The full config with diffusers' defaults filled in. */
  readonly config: SchedulerConfig;
  /** β_t for t = 0..T−1. */
  readonly betas: Float64Array;
  /** ᾱ_t = ∏_{s≤t}(1 − β_s). */
  readonly alphasCumprod: Float64Array;
  /** The timesteps of the last {@link Scheduler.setTimesteps}, or null before it. */
  readonly timesteps: readonly number[] | null;
  /** Chooses the inference timesteps (diffusers' `set_timesteps`) and returns them in sampling order. */
  setTimesteps(numInferenceSteps: number): number[];
  /**
   * The timestep a step from t lands on: the next of the set timesteps (−1 after the last);
   * before setTimesteps, DDPM steps to t − 1 and DDIM refuses, as in diffusers.
   */
  previousTimestep(t: number): number;
  /** One reverse step x_t → x_prev (see `stepCoefficients` for the equations). */
  step(modelOutput: Float32Array, t: number, sample: Float32Array, opts?: StepOptions): StepResult;
  /** Forward process q(x_t | x₀): √ᾱ_t·x₀ + √(1−ᾱ_t)·ε (Ho et al. 2020 eq. 4). */
  addNoise(x0: Float32Array, noise: Float32Array, t: number): Float32Array;
  /** σ²_t of the step from t to prevT (default: {@link Scheduler.previousTimestep}); see `stepVariance`. */
  getVariance(t: number, prevT?: number): number;
  /** The regression target for the configured prediction_type: ε, x₀, or v. */
  trainingTarget(x0: Float32Array, eps: Float32Array, t: number): Float32Array;
  /** v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ (Salimans & Ho 2022 §4), diffusers' `get_velocity`. */
  velocity(x0: Float32Array, eps: Float32Array, t: number): Float32Array;
}

/**
 * Builds a scheduler from diffusers-style settings (missing keys take diffusers' defaults).
 * Throws `SchedulerConfigError` for any invalid key or value, including betas outside (0, 1).
 */
export function createScheduler(kind: SchedulerKind, config: Partial<SchedulerConfig>): Scheduler {
  checkKind(kind);
  const full = resolveSchedulerConfig(config);
  const betas = computeBetas(full);
  checkBetas(full, betas);
  // Frozen: the tables were derived from it, so editing it afterwards would make them lie.
  if (full.trained_betas !== null) Object.freeze(full.trained_betas);
  return new NoiseScheduler(kind, Object.freeze(full), betas);
}

class NoiseScheduler implements Scheduler {
  readonly alphasCumprod: Float64Array;
  timesteps: number[] | null = null;

  constructor(
    readonly kind: SchedulerKind,
    readonly config: SchedulerConfig,
    readonly betas: Float64Array,
  ) {
    this.alphasCumprod = cumulativeAlphas(betas);
  }

  setTimesteps(numInferenceSteps: number): number[] {
    this.timesteps = inferenceTimesteps(this.config, numInferenceSteps);
    return [...this.timesteps];
  }

  previousTimestep(t: number): number {
    checkTimestep(this, t);
    if (this.timesteps === null) {
      if (this.kind === 'ddim') throw new Error('DDIM step: call setTimesteps(numInferenceSteps) first');
      return t - 1;
    }
    const index = this.timesteps.indexOf(t);
    if (index < 0) {
      const shown =
        this.timesteps.length > 8 ? `${this.timesteps.slice(0, 8).join(', ')}, …` : this.timesteps.join(', ');
      throw new RangeError(
        `timestep ${t} is not one of the ${this.timesteps.length} set by setTimesteps: [${shown}]`,
      );
    }
    return previousTimestep(this.timesteps, index);
  }

  step(modelOutput: Float32Array, t: number, sample: Float32Array, opts: StepOptions = {}): StepResult {
    const c = stepCoefficients(
      this,
      t,
      this.previousTimestep(t),
      opts.eta ?? 0,
      opts.useClippedModelOutput ?? false,
    );
    if (opts.noise !== undefined && opts.rng !== undefined) {
      throw new Error('step: pass either opts.noise or opts.rng, not both');
    }
    let noise: Float32Array | null = null;
    if (c.sigma > 0) {
      if (opts.noise !== undefined) noise = opts.noise;
      else if (opts.rng !== undefined) noise = opts.rng.fillNormal(new Float32Array(sample.length));
      else throw new Error(`step at t = ${t} adds noise (σ = ${c.sigma}): pass opts.noise or opts.rng`);
    }
    return applyStep(c, modelOutput, sample, noise);
  }

  addNoise(x0: Float32Array, noise: Float32Array, t: number): Float32Array {
    const [a, b] = this.forwardCoefficients(t, x0, noise, 'addNoise');
    return x0.map((x, i) => a * x + b * noise[i]);
  }

  getVariance(t: number, prevT?: number): number {
    return stepVariance(this, t, prevT ?? this.previousTimestep(t));
  }

  trainingTarget(x0: Float32Array, eps: Float32Array, t: number): Float32Array {
    switch (this.config.prediction_type) {
      case 'epsilon':
        this.forwardCoefficients(t, x0, eps, 'trainingTarget'); // only to validate t and lengths
        return eps.slice();
      case 'sample':
        this.forwardCoefficients(t, x0, eps, 'trainingTarget'); // only to validate t and lengths
        return x0.slice();
      case 'v_prediction':
        return this.velocity(x0, eps, t);
    }
  }

  velocity(x0: Float32Array, eps: Float32Array, t: number): Float32Array {
    const [a, b] = this.forwardCoefficients(t, x0, eps, 'velocity');
    return x0.map((x, i) => a * eps[i] - b * x);
  }

  /** Checks t and the lengths, then returns [√ᾱ_t, √(1−ᾱ_t)]. */
  private forwardCoefficients(
    t: number,
    x0: Float32Array,
    eps: Float32Array,
    what: string,
  ): [number, number] {
    checkTimestep(this, t);
    if (x0.length !== eps.length) {
      throw new RangeError(
        `${what}: x0 has ${x0.length} values but the noise has ${eps.length}; they must match`,
      );
    }
    const alphaBar = this.alphasCumprod[t];
    return [Math.sqrt(alphaBar), Math.sqrt(1 - alphaBar)];
  }
}
