/**
 * The Sample form's settings and their validation. Messages come from the sampling module's own
 * `resolveSampleOptions`, so the form and the worker cannot disagree about what is allowed.
 */
import type { SchedulerKind, VarianceType } from '../diffusion';
import { resolveSampleOptions, SampleOptionsError, type SampleOptions } from '../sampling/options';

/** Everything the Sample form sets. */
export interface SampleSettings {
  sampler: SchedulerKind;
  numInferenceSteps: number;
  eta: number;
  numImages: number;
  seed: number;
  clip: boolean;
  weights: 'ema' | 'raw';
  varianceType: VarianceType;
}

export type SampleErrors = Partial<Record<keyof SampleSettings, string>>;

/** DDIM with 50 steps: a recognisable batch in a fraction of the paper's 1000 DDPM steps. */
export const DEFAULT_SAMPLE_SETTINGS: SampleSettings = {
  sampler: 'ddim',
  numInferenceSteps: 50,
  eta: 0,
  numImages: 16,
  seed: 0,
  clip: true,
  weights: 'ema',
  varianceType: 'fixed_large',
};

/** The runner's options for these settings. */
export function toSampleOptions(s: SampleSettings): SampleOptions {
  return { sampler: s.sampler, numInferenceSteps: s.numInferenceSteps, eta: s.eta, numImages: s.numImages, seed: s.seed, clip: s.clip };
}

const FALLBACK: Partial<Record<keyof SampleOptions, unknown>> = { numInferenceSteps: 1, eta: 0, numImages: 1, seed: 0, clip: true, sampler: 'ddim' };

/** Every invalid field with its message (not just the first), checked against the model's T. */
export function validateSampleSettings(s: SampleSettings, T: number): SampleErrors {
  const errors: SampleErrors = {};
  let options: Record<string, unknown> = { ...toSampleOptions(s) };
  for (let tries = 0; tries < Object.keys(options).length + 1; tries++) {
    try {
      resolveSampleOptions(options as unknown as SampleOptions, true);
      break;
    } catch (err) {
      if (!(err instanceof SampleOptionsError) || !(err.key in FALLBACK)) throw err;
      errors[err.key as keyof SampleSettings] = err.message;
      options = { ...options, [err.key]: FALLBACK[err.key as keyof SampleOptions] };
    }
  }
  if (!errors.numInferenceSteps && s.numInferenceSteps > T)
    errors.numInferenceSteps = `sampling option numInferenceSteps = ${s.numInferenceSteps} is not allowed; the model was trained with T = ${T} timesteps, so at most ${T}`;
  return errors;
}
