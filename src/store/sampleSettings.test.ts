import { DEFAULT_SAMPLE_SETTINGS, toSampleOptions, validateSampleSettings } from './sampleSettings';

describe('validateSampleSettings', () => {
  it('accepts the defaults', () => {
    expect(validateSampleSettings(DEFAULT_SAMPLE_SETTINGS, 1000)).toEqual({});
  });

  it('names every bad field at once, with the allowed range', () => {
    const errors = validateSampleSettings({ ...DEFAULT_SAMPLE_SETTINGS, numImages: 65, eta: 1.5, seed: 0.5 }, 1000);
    expect(Object.keys(errors).sort()).toEqual(['eta', 'numImages', 'seed']);
    expect(errors.numImages).toMatch(/numImages = 65 .* from 1 to 64/);
    expect(errors.eta).toMatch(/eta = 1\.5/);
  });

  it('treats an emptied number field (NaN) as invalid', () => {
    expect(validateSampleSettings({ ...DEFAULT_SAMPLE_SETTINGS, numInferenceSteps: Number.NaN }, 1000).numInferenceSteps).toMatch(
      /numInferenceSteps/,
    );
  });

  it('refuses more steps than the model has timesteps', () => {
    expect(validateSampleSettings({ ...DEFAULT_SAMPLE_SETTINGS, numInferenceSteps: 300 }, 250).numInferenceSteps).toMatch(
      /T = 250 timesteps, so at most 250/,
    );
  });
});

describe('toSampleOptions', () => {
  it('passes the sampler settings through and leaves out what the runner does not take', () => {
    expect(toSampleOptions(DEFAULT_SAMPLE_SETTINGS)).toEqual({ sampler: 'ddim', numInferenceSteps: 50, eta: 0, numImages: 16, seed: 0, clip: true });
  });
});
