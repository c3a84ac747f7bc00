/**
 * The forward-process tables: betas β_t and their cumulative products ᾱ_t, in Float64 because
 * ᾱ_t near t = T is a product of a thousand factors and 1 − ᾱ_t near t = 0 is a small difference.
 */
import { SchedulerConfigError, type SchedulerConfig } from './config';

/** GLIDE's cap on cosine-schedule betas: without it β_{T−1} → 1 and ᾱ_T hits exactly 0. */
const COSINE_MAX_BETA = 0.999;

/** Nichol & Dhariwal (2021) eq. 17 offset s, so β_0 is not vanishingly small. */
const COSINE_OFFSET = 0.008;

/**
 * β_t for t = 0..T−1 as diffusers builds them: `trained_betas` verbatim, else `linear`
 * (evenly spaced β, Ho et al. 2020 §4), `scaled_linear` (evenly spaced √β, latent diffusion), or
 * `squaredcos_cap_v2` (β_t = min(1 − ᾱ(t+1)/ᾱ(t), 0.999) with ᾱ(t) = cos²((t/T + s)/(1 + s)·π/2),
 * Nichol & Dhariwal 2021 eq. 17). Does not check the range; see {@link checkBetas}.
 */
export function computeBetas(config: SchedulerConfig): Float64Array {
  const T = config.num_train_timesteps;
  if (config.trained_betas !== null) return Float64Array.from(config.trained_betas);
  switch (config.beta_schedule) {
    case 'linear':
      return linspace(config.beta_start, config.beta_end, T);
    case 'scaled_linear':
      return linspace(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), T).map((r) => r * r);
    case 'squaredcos_cap_v2': {
      const alphaBarOf = (u: number) =>
        Math.cos(((u + COSINE_OFFSET) / (1 + COSINE_OFFSET)) * (Math.PI / 2)) ** 2;
      const betas = new Float64Array(T);
      for (let t = 0; t < T; t++)
        betas[t] = Math.min(1 - alphaBarOf((t + 1) / T) / alphaBarOf(t / T), COSINE_MAX_BETA);
      return betas;
    }
  }
}

/** ᾱ_t = ∏_{s ≤ t} (1 − β_s) (Ho et al. 2020, notation above eq. 4). */
export function cumulativeAlphas(betas: Float64Array): Float64Array {
  const alphaBar = new Float64Array(betas.length);
  let product = 1;
  for (let t = 0; t < betas.length; t++) {
    product *= 1 - betas[t];
    alphaBar[t] = product;
  }
  return alphaBar;
}

/**
 * Throws {@link SchedulerConfigError} unless every β lies in (0, 1): β_0 = 0 makes 1 − ᾱ_0 = 0 and
 * the ε → x₀ formula divide by zero; β ≥ 1 makes ᾱ ≤ 0 and √ᾱ undefined. The error names the key
 * the bad value came from.
 */
export function checkBetas(config: SchedulerConfig, betas: Float64Array): void {
  const bad = betas.findIndex((b) => !(b > 0 && b < 1));
  if (bad < 0) return;
  const where = `it gives betas[${bad}] = ${betas[bad]}; every beta must lie in (0, 1)`;
  if (config.trained_betas !== null)
    throw new SchedulerConfigError('trained_betas', config.trained_betas, where);
  // Linear and scaled_linear betas are monotone in t, so a bad value sits at an end of the range.
  const key = bad === 0 ? 'beta_start' : 'beta_end';
  throw new SchedulerConfigError(key, config[key], where);
}

/** n evenly spaced values from a to b inclusive (n = 1 gives [a], as torch.linspace does). */
function linspace(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = n > 1 ? (b - a) / (n - 1) : 0;
  for (let i = 0; i < n; i++) out[i] = a + i * step;
  if (n > 1) out[n - 1] = b;
  return out;
}
