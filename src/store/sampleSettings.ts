/**
 * The Sample form's settings are the run config's `sampling` section (so they travel in the URL
 * too). Their messages come from the sampling module's own `resolveSampleOptions`, so the form
 * and the worker cannot disagree about what is allowed, and steps are checked against the T of the
 * model actually loaded (an imported model may differ from the config's).
 */
import type { SamplingConfig } from '../config';
import {
  resolveSampleOptions,
  SampleOptionsError,
  type SampleOptions,
  type SamplingVariance,
} from '../sampling/options';
import type { ModelSummary, WeightChoice } from '../worker/protocol';

export type SampleErrors = Partial<Record<keyof SamplingConfig, string>>;

/** The runner's options for these settings; `varianceType` (DDPM only) overrides the model's for this run. */
export function toSampleOptions(
  s: SamplingConfig,
  varianceType: SamplingVariance | null = null,
): SampleOptions {
  return {
    sampler: s.sampler,
    numInferenceSteps: s.steps,
    eta: s.eta,
    numImages: s.numImages,
    seed: s.seed,
    clip: s.clip,
    brokenFinalStep: s.brokenFinalStep,
    ...(varianceType !== null && s.sampler === 'ddpm' ? { varianceType } : {}),
  };
}

/** What the Weights control offers for the current model. */
export interface WeightsOffer {
  /** The option shown. */
  shown: string;
  /** [value, text] per option. */
  options: [string, string][];
  /** Why there is nothing to choose (one set of weights, or no model); undefined when EMA and raw are there. */
  reason: string | undefined;
  /** What the sample command asks for: undefined where there is no choice (the model's one set). */
  send: WeightChoice | undefined;
}

const BOTH: [string, string][] = [
  ['ema', 'EMA (as the paper samples)'],
  ['raw', 'raw (the last step’s)'],
];

/** The weights choice for a model, following the config's `sampling.useEma` where there is one. */
export function weightsOffer(model: ModelSummary | undefined, useEma: boolean): WeightsOffer {
  const choice: WeightChoice = useEma ? 'ema' : 'raw';
  if (!model)
    return { shown: choice, options: BOTH, reason: 'No model yet: train or import one.', send: undefined };
  if (model.weights.includes('ema') && model.weights.includes('raw'))
    return { shown: choice, options: BOTH, reason: undefined, send: choice };
  // One set of weights: shown as the only option, with why there is nothing to choose.
  const only = (value: string, text: string, reason: string): WeightsOffer => ({
    shown: value,
    options: [[value, text]],
    reason,
    send: undefined,
  });
  return model.origin === 'imported'
    ? only(
        'single',
        'as imported',
        'An imported pipeline has one set of weights (EMA or not, as its exporter chose); it is sampled as is.',
      )
    : only(
        'raw',
        'raw (EMA was off)',
        'This run trained without EMA (training.useEma off in Configure), so it has its raw weights only.',
      );
}

/** The option each runner key stands for in the form, and a valid stand-in to look past it. */
const FIELDS: Partial<Record<keyof SampleOptions, [keyof SamplingConfig, unknown]>> = {
  sampler: ['sampler', 'ddim'],
  numInferenceSteps: ['steps', 1],
  eta: ['eta', 0],
  numImages: ['numImages', 1],
  seed: ['seed', 0],
  clip: ['clip', true],
  brokenFinalStep: ['brokenFinalStep', false],
};

/** Every invalid field with its message (not just the first), with steps checked against the model's T. */
export function validateSampling(s: SamplingConfig, T: number): SampleErrors {
  const errors: SampleErrors = {};
  let options: Record<string, unknown> = { ...toSampleOptions(s) };
  for (let tries = 0; tries <= Object.keys(FIELDS).length; tries++) {
    try {
      resolveSampleOptions(options as unknown as SampleOptions, {
        clip_sample: true,
        variance_type: 'fixed_small',
      });
      break;
    } catch (err) {
      const field = err instanceof SampleOptionsError ? FIELDS[err.key as keyof SampleOptions] : undefined;
      if (!field) throw err;
      errors[field[0]] = (err as Error).message;
      options = { ...options, [(err as SampleOptionsError).key]: field[1] };
    }
  }
  if (!errors.steps && s.steps > T)
    errors.steps = `sampling option numInferenceSteps = ${s.steps} is not allowed; the model was trained with T = ${T} timesteps, so at most ${T}`;
  return errors;
}
