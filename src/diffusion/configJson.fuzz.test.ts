import { schedulerConfigTarget } from '../fuzz/configTargets';
import { expectRefusedBeforeAllocating, fuzzIt } from '../fuzz/fuzzTest';
import { MAX_TRAIN_TIMESTEPS, SchedulerConfigError } from './config';
import { parseSchedulerConfig } from './configJson';

const ddpm = { _class_name: 'DDPMScheduler' };

describe('parseSchedulerConfig, fuzzed', () => {
  fuzzIt(schedulerConfigTarget);

  it('found by fuzzing: num_train_timesteps 2^53 − 1 is refused before its tables are allocated', async () => {
    await expectRefusedBeforeAllocating(
      () => parseSchedulerConfig({ ...ddpm, num_train_timesteps: 2 ** 53 - 1 }),
      SchedulerConfigError,
      /num_train_timesteps = 9007199254740991 is not allowed; allowed: an integer from 1 to 100000/,
    );
    expect(
      parseSchedulerConfig({ ...ddpm, num_train_timesteps: MAX_TRAIN_TIMESTEPS }).config.num_train_timesteps,
    ).toBe(MAX_TRAIN_TIMESTEPS);
  });
  it('found by fuzzing: an extra key named like an Object.prototype member is an unknown key', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
      const text = `{"_class_name": "DDPMScheduler", "${key}": 1}`;
      expect(() => parseSchedulerConfig(text)).toThrow(SchedulerConfigError);
      expect(() => parseSchedulerConfig(text)).toThrow(`${key} = 1 is not allowed; unknown key`);
    }
  });
  it('keeps "__proto__" as _-prefixed metadata, as an own key, without touching the prototype', () => {
    const { extras } = parseSchedulerConfig(
      '{"_class_name": "DDPMScheduler", "__proto__": {"thresholding": true}}',
    );
    expect(Object.keys(extras)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(extras)).toBe(Object.prototype);
  });
  it('found by fuzzing: a value nested 10,000 arrays deep is a SchedulerConfigError, not a stack overflow', () => {
    const text = `{"_class_name": "DDPMScheduler", "trained_betas": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(() => parseSchedulerConfig(text)).toThrow(SchedulerConfigError);
    expect(() => parseSchedulerConfig(text)).toThrow(/trained_betas = \[\[\[\[…\]\]\]\] is not allowed/);
  });
});
