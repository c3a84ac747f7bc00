import {
  DEFAULT_SCHEDULER_CONFIG,
  SchedulerConfigError,
  resolveSchedulerConfig,
  type SchedulerConfig,
} from './config';
import { createScheduler } from './scheduler';
import { inferenceTimesteps } from './timesteps';

describe('scheduler config', () => {
  it('fills every key left out from the defaults', () => {
    expect(resolveSchedulerConfig({})).toEqual(DEFAULT_SCHEDULER_CONFIG);
    const s = createScheduler('ddim', { beta_schedule: 'squaredcos_cap_v2' });
    expect(s.config).toEqual({ ...DEFAULT_SCHEDULER_CONFIG, beta_schedule: 'squaredcos_cap_v2' });
    expect(s.kind).toBe('ddim');
  });

  it('uses trained_betas verbatim and copies them', () => {
    const trained_betas = [0.1, 0.2, 0.3];
    const s = createScheduler('ddpm', { num_train_timesteps: 3, trained_betas });
    trained_betas[0] = 0.9;
    expect(Array.from(s.betas)).toEqual([0.1, 0.2, 0.3]);
    expect(s.alphasCumprod[2]).toBeCloseTo(0.9 * 0.8 * 0.7, 15);
    expect(Object.isFrozen(s.config) && Object.isFrozen(s.config.trained_betas)).toBe(true);
  });

  const invalid: [Partial<SchedulerConfig> | Record<string, unknown>, string, RegExp][] = [
    [{ num_train_timesteps: 0 }, 'num_train_timesteps', /= 0 .*integer from 1 to 100000/],
    [{ num_train_timesteps: 99.5 }, 'num_train_timesteps', /99.5/],
    [{ beta_start: Number.NaN }, 'beta_start', /NaN .*finite number/],
    [{ beta_end: '0.02' }, 'beta_end', /"0.02"/],
    [
      { beta_schedule: 'cosine' },
      'beta_schedule',
      /"cosine" .*"linear", "scaled_linear", "squaredcos_cap_v2"/,
    ],
    [{ trained_betas: [0.1, 'x'] }, 'trained_betas', /array of finite numbers/],
    [{ trained_betas: [0.1, 0.2] }, 'trained_betas', /2 entries but num_train_timesteps is 1000/],
    [{ variance_type: 'learned' }, 'variance_type', /"learned" .*the model has no variance output/],
    [{ variance_type: 'learned_range' }, 'variance_type', /the model has no variance output/],
    [
      { variance_type: 'fixed' },
      'variance_type',
      /"fixed_small", "fixed_small_log", "fixed_large", "fixed_large_log"/,
    ],
    [{ clip_sample: 1 }, 'clip_sample', /true or false/],
    [{ clip_sample_range: 0 }, 'clip_sample_range', /> 0/],
    [{ prediction_type: 'v' }, 'prediction_type', /"epsilon", "sample", "v_prediction"/],
    [{ timestep_spacing: 'uniform' }, 'timestep_spacing', /"leading", "trailing", "linspace"/],
    [{ steps_offset: -1 }, 'steps_offset', /integer ≥ 0/],
    [{ steps_offset: 1000 }, 'steps_offset', /< num_train_timesteps \(1000\)/],
    [{ set_alpha_to_one: 'yes' }, 'set_alpha_to_one', /true or false/],
    [{ thresholding: false }, 'thresholding', /unknown key/],
    [{ beta_start: 0 }, 'beta_start', /betas\[0\] = 0; every beta must lie in \(0, 1\)/],
    [{ beta_end: 1.5 }, 'beta_end', /= 1.5 is not allowed; it gives betas\[66\d\] = 1.00\d*; every beta/],
    [{ beta_schedule: 'scaled_linear', beta_start: -0.01 }, 'beta_start', /betas\[0\] = NaN/],
    [{ num_train_timesteps: 2, trained_betas: [0.5, 1] }, 'trained_betas', /betas\[1\] = 1/],
  ];
  it.each(invalid)('rejects %j, naming %s', (config, key, message) => {
    const build = () => createScheduler('ddpm', config as Partial<SchedulerConfig>);
    expect(build).toThrow(SchedulerConfigError);
    expect(build).toThrow(expect.objectContaining({ key, message: expect.stringMatching(message) }));
    expect(build).toThrow(new RegExp(`^scheduler config: ${key} = `));
  });

  it('rejects an unknown kind and a non-object config', () => {
    expect(() => createScheduler('pndm' as 'ddpm', {})).toThrow(/kind = "pndm" .*"ddpm", "ddim"/);
    expect(() => createScheduler('ddpm', null as unknown as Partial<SchedulerConfig>)).toThrow(
      SchedulerConfigError,
    );
  });

  it('rejects inference step counts outside 1..T and a steps_offset that overshoots', () => {
    const c = resolveSchedulerConfig({ steps_offset: 1 });
    expect(() => inferenceTimesteps(c, 0)).toThrow(
      /numInferenceSteps = 0 .*1 to num_train_timesteps \(1000\)/,
    );
    expect(() => inferenceTimesteps(c, 1001)).toThrow(/1001/);
    expect(() => inferenceTimesteps(c, 1000)).toThrow(/steps_offset = 1 .*lifts the first timestep to 1000/);
    expect(inferenceTimesteps(c, 10)[0]).toBe(901);
  });
});
