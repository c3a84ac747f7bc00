import { DEFAULT_RUN_CONFIG, type SamplingConfig } from '../config';
import type { ModelSummary } from '../worker/protocol';
import { toSampleOptions, validateSampling, weightsOffer } from './sampleSettings';

const base: SamplingConfig = { ...DEFAULT_RUN_CONFIG.sampling, sampler: 'ddim', steps: 50 };

describe('validateSampling', () => {
  it('accepts the defaults', () => {
    expect(validateSampling(DEFAULT_RUN_CONFIG.sampling, 1000)).toEqual({});
  });

  it('names every bad field at once, with the allowed range', () => {
    const errors = validateSampling({ ...base, numImages: 65, eta: 1.5, seed: 0.5 }, 1000);
    expect(Object.keys(errors).sort()).toEqual(['eta', 'numImages', 'seed']);
    expect(errors.numImages).toMatch(/numImages = 65 .* from 1 to 64/);
    expect(errors.eta).toMatch(/eta = 1\.5/);
  });

  it('treats an emptied number field (NaN) as invalid', () => {
    expect(validateSampling({ ...base, steps: Number.NaN }, 1000).steps).toMatch(/numInferenceSteps/);
  });

  it('refuses more steps than the loaded model has timesteps', () => {
    expect(validateSampling({ ...base, steps: 300 }, 250).steps).toMatch(/T = 250 timesteps, so at most 250/);
  });
});

describe('toSampleOptions', () => {
  it('adds the variance override for DDPM only', () => {
    expect(toSampleOptions({ ...base, sampler: 'ddpm' }, 'fixed_large').varianceType).toBe('fixed_large');
    expect(toSampleOptions({ ...base, sampler: 'ddim' }, 'fixed_large')).not.toHaveProperty('varianceType');
    expect(toSampleOptions({ ...base, sampler: 'ddpm' })).not.toHaveProperty('varianceType');
  });

  it('maps the config section onto the runner’s options', () => {
    expect(toSampleOptions(base)).toEqual({
      sampler: 'ddim',
      numInferenceSteps: 50,
      eta: 0,
      numImages: 16,
      seed: 0,
      clip: true,
      brokenFinalStep: false,
    });
    expect(toSampleOptions({ ...base, brokenFinalStep: true }).brokenFinalStep).toBe(true);
  });
});

describe('weightsOffer', () => {
  const model = (origin: 'trained' | 'imported', weights: ('ema' | 'raw')[]) =>
    ({ origin, weights }) as unknown as ModelSummary;

  it('follows sampling.useEma where a trained run has EMA and raw weights', () => {
    expect(weightsOffer(model('trained', ['ema', 'raw']), true)).toMatchObject({
      shown: 'ema',
      reason: undefined,
      send: 'ema',
    });
    expect(weightsOffer(model('trained', ['ema', 'raw']), false)).toMatchObject({
      shown: 'raw',
      send: 'raw',
    });
  });

  it('disables the choice with the reason for an import, a run without EMA, and no model', () => {
    const imported = weightsOffer(model('imported', []), true);
    expect(imported).toMatchObject({ shown: 'single', send: undefined });
    expect(imported.reason).toMatch(/imported pipeline has one set of weights/);
    const noEma = weightsOffer(model('trained', ['raw']), true);
    expect(noEma).toMatchObject({ shown: 'raw', send: undefined });
    expect(noEma.reason).toMatch(/without EMA \(training.useEma off/);
    expect(weightsOffer(undefined, true).reason).toMatch(/No model yet/);
  });
});
