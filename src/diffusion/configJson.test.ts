import { DEFAULT_SCHEDULER_CONFIG, SchedulerConfigError } from './config';
import { parseSchedulerConfig, toSchedulerConfigJson } from './configJson';

// In the style of an early diffusers checkpoint (google/ddpm-*): only the keys that existed then.
const legacyDdpm = {
  _class_name: 'DDPMScheduler',
  _diffusers_version: '0.1.1',
  beta_end: 0.02,
  beta_schedule: 'linear',
  beta_start: 0.0001,
  clip_sample: true,
  num_train_timesteps: 1000,
  trained_betas: null,
  variance_type: 'fixed_large',
};

// Every key a current diffusers DDIMScheduler writes, with latent-diffusion values.
const modernDdim = {
  _class_name: 'DDIMScheduler',
  _diffusers_version: '0.30.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  clip_sample_range: 1,
  dynamic_thresholding_ratio: 0.995,
  num_train_timesteps: 1000,
  prediction_type: 'epsilon',
  rescale_betas_zero_snr: false,
  sample_max_value: 1,
  set_alpha_to_one: false,
  steps_offset: 1,
  thresholding: false,
  timestep_spacing: 'leading',
  trained_betas: null,
};

describe('scheduler_config.json', () => {
  it('reads a legacy DDPMScheduler config, filling the keys it predates with defaults', () => {
    const parsed = parseSchedulerConfig(JSON.stringify(legacyDdpm));
    expect(parsed.kind).toBe('ddpm');
    expect(parsed.config).toEqual({ ...DEFAULT_SCHEDULER_CONFIG, variance_type: 'fixed_large' });
    expect(parsed.extras).toEqual({ _diffusers_version: '0.1.1' });
    // Written back: the same values plus the keys diffusers now writes for the class.
    const written = toSchedulerConfigJson(parsed.kind, parsed.config, parsed.extras);
    expect(written).toMatchObject(legacyDdpm);
    expect(written).toMatchObject({
      prediction_type: 'epsilon',
      timestep_spacing: 'leading',
      steps_offset: 0,
    });
    expect(written).not.toHaveProperty('set_alpha_to_one'); // not a DDPMScheduler key
  });

  it('round-trips a full DDIMScheduler config exactly, keeping inert diffusers keys', () => {
    const parsed = parseSchedulerConfig(modernDdim);
    expect(parsed.kind).toBe('ddim');
    expect(parsed.config).toMatchObject({
      beta_schedule: 'scaled_linear',
      set_alpha_to_one: false,
      steps_offset: 1,
    });
    expect(parsed.extras).toEqual({
      _diffusers_version: '0.30.0',
      dynamic_thresholding_ratio: 0.995,
      rescale_betas_zero_snr: false,
      sample_max_value: 1,
      thresholding: false,
    });
    const written = toSchedulerConfigJson(parsed.kind, parsed.config, parsed.extras);
    expect(JSON.stringify(written)).toBe(JSON.stringify(modernDdim)); // same keys, values and order
  });

  it('parse(toSchedulerConfigJson(kind, config, extras)) gives them back, other-class keys included', () => {
    const config = {
      ...DEFAULT_SCHEDULER_CONFIG,
      trained_betas: [0.1, 0.2],
      num_train_timesteps: 2,
      set_alpha_to_one: false,
    };
    const extras = { _diffusers_version: '0.31.0' };
    const json = toSchedulerConfigJson('ddpm', config, extras);
    expect(json.set_alpha_to_one).toBe(false); // differs from the default, so it is kept
    expect(parseSchedulerConfig(JSON.parse(JSON.stringify(json)))).toEqual({ kind: 'ddpm', config, extras });
    expect(Object.keys(toSchedulerConfigJson('ddim', {}))).toEqual(
      [...Object.keys(toSchedulerConfigJson('ddim', {}))].sort(),
    );
    expect(toSchedulerConfigJson('ddim', {})).not.toHaveProperty('variance_type');
  });

  const rejected: [Record<string, unknown> | string, string, RegExp][] = [
    [
      { ...modernDdim, thresholding: true },
      'thresholding',
      /= true .*dynamic thresholding is not implemented/,
    ],
    [
      { ...modernDdim, rescale_betas_zero_snr: true },
      'rescale_betas_zero_snr',
      /zero-terminal-SNR rescaling is not implemented/,
    ],
    [{ ...legacyDdpm, predict_epsilon: false }, 'predict_epsilon', /prediction_type "sample"/],
    [
      { ...legacyDdpm, use_karras_sigmas: true },
      'use_karras_sigmas',
      /unknown key; allowed: beta_end, .*_-prefixed metadata/,
    ],
    [
      { ...legacyDdpm, _class_name: 'PNDMScheduler' },
      '_class_name',
      /"PNDMScheduler" .*"DDPMScheduler", "DDIMScheduler"/,
    ],
    [{ ...legacyDdpm, variance_type: 'learned_range' }, 'variance_type', /the model has no variance output/],
    [{ ...legacyDdpm, beta_start: 0 }, 'beta_start', /every beta must lie in \(0, 1\)/],
    ['{"_class_name": "DDPMScheduler",', 'scheduler_config.json', /not valid JSON/],
    [[] as unknown as Record<string, unknown>, 'scheduler_config.json', /expected a JSON object/],
  ];
  it.each(rejected)('rejects %j, naming %s', (json, key, message) => {
    const parse = () => parseSchedulerConfig(json);
    expect(parse).toThrow(SchedulerConfigError);
    expect(parse).toThrow(expect.objectContaining({ key, message: expect.stringMatching(message) }));
  });

  it('refuses extras that would override kind or config, or that are not inert', () => {
    expect(() => toSchedulerConfigJson('ddpm', {}, { _class_name: 'DDIMScheduler' })).toThrow(
      /_class_name .*written from kind/,
    );
    expect(() => toSchedulerConfigJson('ddpm', {}, { beta_end: 0.03 })).toThrow(
      /beta_end .*written from kind and config/,
    );
    expect(() => toSchedulerConfigJson('ddpm', {}, { thresholding: true })).toThrow(/thresholding = true/);
  });
});
