import { runConfigTarget } from '../fuzz/configTargets';
import { fuzzIt } from '../fuzz/fuzzTest';
import { RunConfigError, parseRunConfig, validateRunConfig } from './validate';

const deep = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown;

describe('validateRunConfig and parseRunConfig, fuzzed', () => {
  fuzzIt(runConfigTarget);

  it('found by fuzzing: a setting nested 10,000 deep is an issue with its path, not a stack overflow', () => {
    const result = validateRunConfig({ training: { batchSize: deep(10_000), lr: 1e-3 } });
    expect('errors' in result && result.errors).toEqual([
      { path: 'training.batchSize', message: expect.stringMatching(/nests deeper than 4 levels/) as unknown },
    ]);
    expect(() => parseRunConfig({ model: { in_channels: deep(10_000) } })).toThrow(RunConfigError);
  });
  it('found by fuzzing: a section that is a deeply nested array is described, not serialised', () => {
    const result = validateRunConfig({ sampling: deep(10_000) });
    expect('errors' in result && result.errors[0].message).toBe(
      'sampling must be an object of settings, got a deeply nested array',
    );
  });
  it('still accepts the one list setting, trained_betas, at its natural depth', () => {
    const betas = Array.from({ length: 10 }, (_, i) => 0.01 + i / 100);
    const result = validateRunConfig({
      diffusion: { num_train_timesteps: 10, trained_betas: betas, scale_betas_to_T: false },
      sampling: { steps: 10 },
      training: { previewSteps: 5 },
    });
    expect('config' in result && result.config.diffusion.trained_betas).toEqual(betas);
  });
});
