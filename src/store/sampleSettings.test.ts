import { DEFAULT_RUN_CONFIG, type SamplingConfig } from '../config';
import { toSampleOptions, validateSampling } from './sampleSettings';

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
  it('maps the config section onto the runner’s options', () => {
    expect(toSampleOptions(base)).toEqual({
      sampler: 'ddim',
      numInferenceSteps: 50,
      eta: 0,
      numImages: 16,
      seed: 0,
      clip: true,
    });
  });
});
