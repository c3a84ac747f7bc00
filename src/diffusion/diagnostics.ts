/**
 * What a schedule does to the data, as arrays to plot, and the mistakes worth warning about before
 * anyone spends hours training on them.
 */
import { resolveSchedulerConfig, SchedulerConfigError, type SchedulerConfig } from './config';
import { computeBetas, cumulativeAlphas } from './schedule';

/** A problem with a schedule: a stable code for tests and UI, what is wrong (with numbers), and how to fix it. */
export interface ScheduleWarning {
  code: 'signal-left-at-T' | 'betas-out-of-range' | 'few-steps' | 'alpha-bar-not-decreasing';
  message: string;
  fix: string;
}

/** Per-t curves of a schedule (index t = 0..T−1) and its warnings. */
export interface ScheduleDescription {
  betas: Float64Array;
  alphaBar: Float64Array;
  sqrtAlphaBar: Float64Array;
  /** Signal-to-noise ratio ᾱ_t/(1−ᾱ_t) in decibels. */
  snrDb: Float64Array;
  /** β̃_t = β_t(1−ᾱ_{t−1})/(1−ᾱ_t) (Ho et al. 2020 eq. 7), with β̃_0 = 0. */
  posteriorVariance: Float64Array;
  warnings: ScheduleWarning[];
}

/** √ᾱ_T above this leaves visible signal at the last step: x_T is then not the N(0, I) sampling starts from. */
export const MAX_SQRT_ALPHA_BAR_T = 0.01;

/** Below this many steps each step must remove so much noise that ancestral sampling degrades. */
export const MIN_TRAIN_TIMESTEPS = 100;

/** The T the paper's linear betas 1e-4..0.02 were chosen for. */
const PAPER_T = 1000;

/**
 * The curves and warnings of a schedule. Unlike `createScheduler` this accepts betas outside
 * (0, 1) and reports them as warnings, so a settings form can explain a bad schedule; invalid keys
 * still throw `SchedulerConfigError`.
 */
export function describeSchedule(config: Partial<SchedulerConfig>): ScheduleDescription {
  const c = resolveSchedulerConfig(config);
  const T = c.num_train_timesteps;
  const betas = computeBetas(c);
  const alphaBar = cumulativeAlphas(betas);
  const sqrtAlphaBar = alphaBar.map(Math.sqrt);
  const snrDb = alphaBar.map((ab) => 10 * Math.log10(ab / (1 - ab)));
  const posteriorVariance = betas.map((b, t) =>
    t === 0 ? 0 : (b * (1 - alphaBar[t - 1])) / (1 - alphaBar[t]),
  );
  const warnings: ScheduleWarning[] = [];

  const badBeta = betas.findIndex((b) => !(b > 0 && b < 1));
  if (badBeta >= 0) {
    const count = betas.filter((b) => !(b > 0 && b < 1)).length;
    warnings.push({
      code: 'betas-out-of-range',
      message: `betas[${badBeta}] = ${betas[badBeta]} lies outside (0, 1) (${count} of ${T} betas do): β = 0 makes the first step noiseless and ε unrecoverable, β ≥ 1 destroys the signal in one step and makes √ᾱ undefined.`,
      fix:
        c.trained_betas !== null
          ? 'Keep every trained_betas entry strictly between 0 and 1.'
          : 'Choose 0 < beta_start and beta_end < 1 (the paper: 0.0001 and 0.02).',
    });
  }
  const rise = alphaBar.findIndex((ab, t) => t > 0 && !(ab < alphaBar[t - 1]));
  if (rise > 0) {
    warnings.push({
      code: 'alpha-bar-not-decreasing',
      message: `ᾱ_t does not fall at t = ${rise} (ᾱ = ${fmt(alphaBar[rise])} after ${fmt(alphaBar[rise - 1])}): noise must grow with t for the forward process to end in noise.`,
      fix: 'Keep every beta strictly between 0 and 1.',
    });
  }
  const sqrtAbT = sqrtAlphaBar[T - 1];
  if (!(sqrtAbT <= MAX_SQRT_ALPHA_BAR_T)) {
    warnings.push({
      code: 'signal-left-at-T',
      message: `√ᾱ_T = ${fmt(sqrtAbT)} at t = T = ${T} (ᾱ_T = ${fmt(alphaBar[T - 1])}): ${pct(sqrtAbT)} of the signal's amplitude is still there at the last step, so sampling that starts from pure noise N(0, I) starts off the training distribution. Aim for √ᾱ_T < ${MAX_SQRT_ALPHA_BAR_T} (the paper's 1000 steps give 0.0064).`,
      fix: signalFix(c),
    });
  }
  if (T < MIN_TRAIN_TIMESTEPS) {
    warnings.push({
      code: 'few-steps',
      message: `T = ${T} diffusion steps is very few: each reverse step must undo a large jump in noise, which a Gaussian step models poorly (the paper uses ${PAPER_T}).`,
      fix: `Train with num_train_timesteps ≥ ${MIN_TRAIN_TIMESTEPS} (${PAPER_T} as in the paper) and sample with fewer DDIM steps instead.`,
    });
  }
  return { betas, alphaBar, sqrtAlphaBar, snrDb, posteriorVariance, warnings };
}

/**
 * Returns `config` with num_train_timesteps = T and the linear (or scaled_linear) endpoints scaled
 * by 1000/T, written as plain numbers: the paper's betas were chosen for 1000 steps, and scaling
 * keeps Σβ, hence ᾱ_T, about the same at any T (Nichol & Dhariwal 2021 §3.2 use the same rule).
 * The betas in `config` are read as those tuned for T = 1000 (diffusers' default 1e-4..0.02 when absent).
 */
export function scaleLinearBetasToT(config: Partial<SchedulerConfig>, T: number): Partial<SchedulerConfig> {
  const c = resolveSchedulerConfig(config);
  if (c.trained_betas !== null) {
    throw new SchedulerConfigError(
      'trained_betas',
      c.trained_betas,
      'must be null to scale betas; trained betas are taken as given',
    );
  }
  if (c.beta_schedule === 'squaredcos_cap_v2') {
    throw new SchedulerConfigError(
      'beta_schedule',
      c.beta_schedule,
      'scaling needs linear or scaled_linear; the cosine schedule already adapts to T',
    );
  }
  resolveSchedulerConfig({ ...config, num_train_timesteps: T }); // T must suit the rest of the config
  const factor = PAPER_T / T;
  return {
    ...config,
    num_train_timesteps: T,
    beta_start: plain(c.beta_start * factor),
    beta_end: plain(c.beta_end * factor),
  };
}

function signalFix(c: SchedulerConfig): string {
  if (c.trained_betas !== null) return 'Use trained betas whose ᾱ_T is near 0, or use squaredcos_cap_v2.';
  if (c.beta_schedule === 'squaredcos_cap_v2') return 'Use more diffusion steps.';
  const T = c.num_train_timesteps;
  const start = plain((c.beta_start * PAPER_T) / T);
  const end = plain((c.beta_end * PAPER_T) / T);
  return `Scale betas by 1000/T (beta_start ${start}, beta_end ${end} for T = ${T}) or use squaredcos_cap_v2.`;
}

/** Drops binary noise such as 0.00039999999999999996, so configs hold the numbers a person would write. */
function plain(x: number): number {
  return Number(x.toPrecision(12));
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(3))) : String(x);
}

function pct(x: number): string {
  return `${Number((100 * x).toPrecision(2))}%`;
}
