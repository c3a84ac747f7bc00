/**
 * Scheduler configuration: the keys, defaults and validation of diffusers' `DDPMScheduler` /
 * `DDIMScheduler`, spelled in snake_case exactly as diffusers writes them to `scheduler_config.json`,
 * so a config saved here loads there and back without translation.
 */

/** Which reverse process a scheduler runs: ancestral DDPM (Ho et al. 2020) or DDIM (Song et al. 2020). */
export type SchedulerKind = 'ddpm' | 'ddim';

/** How betas are laid out over t (diffusers' `beta_schedule`). */
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';

/** The fixed reverse-process variances of DDPM's step (the learned kinds need a variance head we lack). */
export type VarianceType = 'fixed_small' | 'fixed_small_log' | 'fixed_large' | 'fixed_large_log';

/** What the network outputs: the noise ε, the clean sample x₀, or the velocity v (Salimans & Ho 2022). */
export type PredictionType = 'epsilon' | 'sample' | 'v_prediction';

/** How inference timesteps are spread over 0..T−1 (Lin et al. 2023, "Common diffusion noise schedules…", Table 2). */
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

/** Every key both diffusers schedulers understand and this lab implements, with diffusers' names. */
export interface SchedulerConfig {
  /** T, the length of the forward process the model was trained on. */
  num_train_timesteps: number;
  /** β at t = 0 for the linear and scaled_linear schedules. */
  beta_start: number;
  /** β at t = T−1 for the linear and scaled_linear schedules. */
  beta_end: number;
  beta_schedule: BetaSchedule;
  /** Explicit betas (length T); when set, beta_start, beta_end and beta_schedule are ignored. */
  trained_betas: number[] | null;
  /** DDPM only: the variance σ²_t of each ancestral step. */
  variance_type: VarianceType;
  /** Clip the predicted x₀ to [−clip_sample_range, clip_sample_range] inside each step. */
  clip_sample: boolean;
  clip_sample_range: number;
  prediction_type: PredictionType;
  timestep_spacing: TimestepSpacing;
  /** Added to every `leading` inference timestep (Stable Diffusion uses 1); ignored by the other spacings. */
  steps_offset: number;
  /** DDIM only: ᾱ "before" t = 0 is 1 (true) or ᾱ_0 (false). */
  set_alpha_to_one: boolean;
}

/**
 * diffusers' defaults for both classes. Why these values: they are the paper's CIFAR-10 schedule
 * (linear 1e-4..0.02 over T = 1000), with DDPM's smaller posterior variance β̃_t and x₀ clipped to
 * the data range [−1, 1] that images are scaled to.
 */
export const DEFAULT_SCHEDULER_CONFIG: Readonly<SchedulerConfig> = Object.freeze({
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  trained_betas: null,
  variance_type: 'fixed_small',
  clip_sample: true,
  clip_sample_range: 1,
  prediction_type: 'epsilon',
  timestep_spacing: 'leading',
  steps_offset: 0,
  set_alpha_to_one: true,
});

/** The keys of {@link SchedulerConfig}, in diffusers' alphabetical JSON order. */
export const SCHEDULER_CONFIG_KEYS = Object.freeze(
  Object.keys(DEFAULT_SCHEDULER_CONFIG).sort() as (keyof SchedulerConfig)[],
);

/**
 * The largest `num_train_timesteps` accepted: 100× the paper's T. Every schedule table holds T
 * float64s, so the bound keeps a config file from asking for gigabytes before anything checks it.
 */
export const MAX_TRAIN_TIMESTEPS = 100_000;

/**
 * An invalid scheduler setting. `key` names the offending key (or `kind`), `value` holds what was
 * given, and the message says what is allowed, so a form can put the error next to its field.
 */
export class SchedulerConfigError extends Error {
  override readonly name = 'SchedulerConfigError';
  constructor(
    readonly key: string,
    readonly value: unknown,
    allowed: string,
  ) {
    super(`scheduler config: ${key} = ${show(value)} is not allowed; ${allowed}`);
  }
}

/**
 * Renders a config value for an error message, compactly (long arrays are elided, and nesting
 * below three levels is elided too, so a hostile value nested thousands deep cannot overflow the stack).
 */
function show(value: unknown, depth = 0): string {
  const item = (v: unknown) => show(v, depth + 1);
  if (Array.isArray(value) && depth >= 3) return '[…]';
  if (Array.isArray(value) && value.length > 6)
    return `[${value.slice(0, 3).map(item).join(', ')}, … (${value.length} entries)]`;
  if (Array.isArray(value)) return `[${value.map(item).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return '{…}';
    }
  }
  return String(value);
}

/** The allowed values of the scheduler's string keys. */
export const SCHEDULER_ENUMS = {
  beta_schedule: ['linear', 'scaled_linear', 'squaredcos_cap_v2'],
  variance_type: ['fixed_small', 'fixed_small_log', 'fixed_large', 'fixed_large_log'],
  prediction_type: ['epsilon', 'sample', 'v_prediction'],
  timestep_spacing: ['leading', 'trailing', 'linspace'],
} as const;

const oneOf = (values: readonly string[]) => `allowed: ${values.map((v) => JSON.stringify(v)).join(', ')}`;

/** Throws {@link SchedulerConfigError} unless `kind` is 'ddpm' or 'ddim'. */
export function checkKind(kind: unknown): asserts kind is SchedulerKind {
  if (kind !== 'ddpm' && kind !== 'ddim')
    throw new SchedulerConfigError('kind', kind, oneOf(['ddpm', 'ddim']));
}

/**
 * Fills diffusers' defaults into `partial` and checks every key's type and range. Unknown keys are
 * rejected (a typo would otherwise silently fall back to a default). Whether the resulting betas lie
 * in (0, 1) is checked where the betas are built, since it depends on several keys at once.
 */
export function resolveSchedulerConfig(partial: Partial<SchedulerConfig>): SchedulerConfig {
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    throw new SchedulerConfigError('config', partial, 'expected an object of scheduler settings');
  }
  for (const key of Object.keys(partial)) {
    if (!(SCHEDULER_CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new SchedulerConfigError(
        key,
        (partial as Record<string, unknown>)[key],
        `unknown key; ${oneOf(SCHEDULER_CONFIG_KEYS)}`,
      );
    }
  }
  const c: SchedulerConfig = { ...DEFAULT_SCHEDULER_CONFIG };
  for (const key of SCHEDULER_CONFIG_KEYS) {
    if (partial[key] !== undefined) (c as unknown as Record<string, unknown>)[key] = partial[key];
  }

  integer('num_train_timesteps', c.num_train_timesteps, 1, MAX_TRAIN_TIMESTEPS);
  finite('beta_start', c.beta_start);
  finite('beta_end', c.beta_end);
  member('beta_schedule', c.beta_schedule, SCHEDULER_ENUMS.beta_schedule);
  if (c.trained_betas !== null) {
    const tb: unknown = c.trained_betas;
    if (!Array.isArray(tb) || tb.some((b) => typeof b !== 'number' || !Number.isFinite(b))) {
      throw new SchedulerConfigError('trained_betas', tb, 'expected null or an array of finite numbers');
    }
    if (tb.length !== c.num_train_timesteps) {
      throw new SchedulerConfigError(
        'trained_betas',
        tb,
        `it has ${tb.length} entries but num_train_timesteps is ${c.num_train_timesteps}; they must match`,
      );
    }
    c.trained_betas = [...tb];
  }
  if (
    c.variance_type === ('learned' as VarianceType) ||
    c.variance_type === ('learned_range' as VarianceType)
  ) {
    throw new SchedulerConfigError(
      'variance_type',
      c.variance_type,
      `learned variances need a second output head and the model has no variance output; ${oneOf(SCHEDULER_ENUMS.variance_type)}`,
    );
  }
  member('variance_type', c.variance_type, SCHEDULER_ENUMS.variance_type);
  boolean('clip_sample', c.clip_sample);
  finite('clip_sample_range', c.clip_sample_range);
  if (!(c.clip_sample_range > 0))
    throw new SchedulerConfigError('clip_sample_range', c.clip_sample_range, 'allowed: a number > 0');
  member('prediction_type', c.prediction_type, SCHEDULER_ENUMS.prediction_type);
  member('timestep_spacing', c.timestep_spacing, SCHEDULER_ENUMS.timestep_spacing);
  integer('steps_offset', c.steps_offset, 0);
  if (c.steps_offset >= c.num_train_timesteps) {
    throw new SchedulerConfigError(
      'steps_offset',
      c.steps_offset,
      `allowed: 0 ≤ steps_offset < num_train_timesteps (${c.num_train_timesteps})`,
    );
  }
  boolean('set_alpha_to_one', c.set_alpha_to_one);
  return c;
}

function integer(key: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new SchedulerConfigError(key, v, `allowed: an integer ${range}`);
  }
}

function finite(key: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new SchedulerConfigError(key, v, 'allowed: a finite number');
}

function boolean(key: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new SchedulerConfigError(key, v, 'allowed: true or false');
}

function member(key: string, v: unknown, values: readonly string[]): void {
  if (typeof v !== 'string' || !values.includes(v)) throw new SchedulerConfigError(key, v, oneOf(values));
}
