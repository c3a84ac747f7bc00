import { cumulativeAlphas, computeBetas } from '../diffusion';
import { countParameters } from '../model/plan';
import {
  DEFAULT_RUN_CONFIG,
  RUN_PRESET_NAMES,
  RunConfigError,
  defaultRunConfig,
  effectiveSchedulerConfig,
  parseRunConfig,
  presetRunConfig,
  unetConfigOf,
  validateRunConfig,
  type RunConfigIssue,
} from './index';

function errorsOf(input: unknown): RunConfigIssue[] {
  const result = validateRunConfig(input);
  if (!('errors' in result)) throw new Error('expected validation errors');
  return result.errors;
}

function sqrtAlphaBarT(config = defaultRunConfig()): number {
  const alphaBar = cumulativeAlphas(computeBetas(effectiveSchedulerConfig(config.diffusion)));
  return Math.sqrt(alphaBar[alphaBar.length - 1]);
}

describe('run config defaults and presets', () => {
  it('the defaults and every preset validate', () => {
    expect(validateRunConfig(defaultRunConfig())).toEqual({ config: defaultRunConfig() });
    for (const name of RUN_PRESET_NAMES)
      expect('config' in validateRunConfig(presetRunConfig(name))).toBe(true);
  });

  it('the defaults are frozen; copies are not', () => {
    expect(Object.isFrozen(DEFAULT_RUN_CONFIG.training)).toBe(true);
    const copy = defaultRunConfig();
    copy.training.batchSize = 3;
    expect(DEFAULT_RUN_CONFIG.training.batchSize).toBe(128);
  });

  it('a partial config takes the rest from the defaults', () => {
    const c = parseRunConfig({ training: { batchSize: 32 } });
    expect(c.training.batchSize).toBe(32);
    expect(c.training.lr).toBe(DEFAULT_RUN_CONFIG.training.lr);
    expect(c.model).toEqual(DEFAULT_RUN_CONFIG.model);
  });

  // The paper's numbers as docs/ddpm.md §1 tabulates them (Ho et al. 2020 §4, Appendix B), each with its row.
  const PAPER_NUMBERS: [section: 'diffusion' | 'training', key: string, value: unknown, source: string][] = [
    ['diffusion', 'num_train_timesteps', 1000, 'timesteps T'],
    ['diffusion', 'beta_start', 1e-4, 'betas'],
    ['diffusion', 'beta_end', 0.02, 'betas'],
    ['diffusion', 'beta_schedule', 'linear', 'betas'],
    ['diffusion', 'prediction_type', 'epsilon', 'model output'],
    ['diffusion', 'variance_type', 'fixed_large', 'sampling'],
    ['diffusion', 'clip_sample', true, 'sampling'],
    ['training', 'batchSize', 128, 'optimiser'],
    ['training', 'lr', 2e-4, 'optimiser'],
    ['training', 'warmupSteps', 5000, 'optimiser'],
    ['training', 'gradClipNorm', 1, 'optimiser'],
    ['training', 'emaDecay', 0.9999, 'EMA'],
    ['training', 'emaWarmup', false, 'EMA'],
    ['training', 'useEma', true, 'EMA'],
    ['training', 'sharedT', false, 't per example'],
    ['training', 'normalization', 'unit', 'data'],
    ['training', 'flip', true, 'data'],
    ['training', 'targetSteps', 800_000, 'length'],
  ];

  it.each(PAPER_NUMBERS)('"paper" sets %s.%s = %s (docs/ddpm.md §1 row "%s")', (section, key, value) => {
    expect((presetRunConfig('paper')[section] as unknown as Record<string, unknown>)[key]).toBe(value);
  });

  it('"paper" is the paper’s CIFAR-10 U-Net and schedule end point (docs/ddpm.md §1)', () => {
    const c = presetRunConfig('paper');
    expect(c.data.dataset).toBe('cifar10');
    expect(countParameters(unetConfigOf(c))).toBe(35_746_307);
    expect(c.model.dropout).toBe(0.1);
    expect(sqrtAlphaBarT(c)).toBeCloseTo(0.0064, 4);
  });

  it('"learner" is the paper with the learner’s five deviations (docs/ddpm.md §4)', () => {
    const paper = presetRunConfig('paper');
    const c = presetRunConfig('learner');
    expect(c.diffusion.num_train_timesteps).toBe(250);
    expect(c.diffusion.scale_betas_to_T).toBe(false);
    expect(c.training.sharedT).toBe(true);
    expect(c.training.batchSize).toBe(64);
    expect(c.training.normalization).toBe('meanstd');
    expect(c.model.lab_norm_after_conv_in).toBe('batch');
    // Everything else is the paper's.
    expect({ ...c.training, sharedT: false, batchSize: 128, normalization: 'unit', targetSteps: 0 }).toEqual({
      ...paper.training,
      targetSteps: 0,
    });
    expect({ ...c.model, lab_norm_after_conv_in: null }).toEqual(paper.model);
    // T = 250 with the paper's betas leaves ᾱ_T ≈ 0.080 (√ᾱ_T ≈ 0.28).
    expect(sqrtAlphaBarT(c) ** 2).toBeCloseTo(0.08, 2);
  });

  it('"learner-code" is the learner’s script: T = 500, β 1e-3..0.03, lr 1e-4, dropout 0, no EMA, batch 128 and the four switches', () => {
    const paper = presetRunConfig('paper');
    const c = presetRunConfig('learner-code');
    expect(c.diffusion).toMatchObject({
      num_train_timesteps: 500,
      beta_start: 0.001,
      beta_end: 0.03,
      scale_betas_to_T: false,
    });
    expect(c.training).toMatchObject({
      lr: 1e-4,
      batchSize: 128,
      useEma: false,
      warmupSteps: 0,
      doubleOptimizerStep: true,
      normalization: 'zero-one',
    });
    expect(c.model.dropout).toBe(0);
    expect(c.sampling).toMatchObject({
      steps: 500,
      useEma: false,
      brokenFinalStep: true,
      displayMinMax: true,
    });
    // The switches are off everywhere else.
    for (const p of [paper, presetRunConfig('learner'), presetRunConfig('tiny')]) {
      expect([p.training.doubleOptimizerStep, p.sampling.brokenFinalStep, p.sampling.displayMinMax]).toEqual([
        false,
        false,
        false,
      ]);
      expect(p.training.normalization).not.toBe('zero-one');
    }
    // Linear 1e-3..0.03 over 500 steps: Σβ ≈ 7.75, so √ᾱ_T ≈ e^(−7.75/2) ≈ 0.02 (the paper's is 0.0064).
    expect(sqrtAlphaBarT(c)).toBeCloseTo(0.02, 3);
  });

  it('scale_betas_to_T scales linear betas by 1000/T so ᾱ_T stays near 0', () => {
    const c = parseRunConfig({
      diffusion: { num_train_timesteps: 250, scale_betas_to_T: true },
      sampling: { steps: 250 },
    });
    expect(effectiveSchedulerConfig(c.diffusion)).toMatchObject({ beta_start: 0.0004, beta_end: 0.08 });
    expect(sqrtAlphaBarT(c)).toBeLessThan(0.01);
  });

  it('the defaults and the small presets warm the EMA up; "paper" and the learner presets do not', () => {
    expect(defaultRunConfig().training.emaWarmup).toBe(true);
    for (const name of RUN_PRESET_NAMES)
      expect([name, presetRunConfig(name).training.emaWarmup]).toEqual([
        name,
        name !== 'paper' && name !== 'learner' && name !== 'learner-code',
      ]);
  });

  it('the tiny preset is small enough for CPU tests', () => {
    const c = presetRunConfig('tiny');
    expect(c.model.sample_size).toBe(8);
    expect(countParameters(unetConfigOf(c))).toBeLessThan(200_000);
  });
});

describe('run config validation', () => {
  it('names the field, the value and the allowed range, and reports every problem at once', () => {
    const errors = errorsOf({
      training: { batchSize: 0, lr: -1, normalization: 'zscore' },
      sampling: { eta: 2 },
    });
    expect(errors.map((e) => e.path)).toEqual([
      'training.batchSize',
      'training.lr',
      'training.normalization',
      'sampling.eta',
    ]);
    expect(errors[0].message).toBe(
      'training.batchSize = 0 is not allowed; allowed: an integer from 1 to 4096',
    );
    expect(errors[2].message).toContain('"unit", "meanstd"');
  });

  it('rejects unknown sections and keys instead of ignoring a typo', () => {
    const errors = errorsOf({ trainig: {}, training: { batchsize: 4 } });
    expect(errors.map((e) => e.path)).toEqual(['trainig', 'training.batchsize']);
    expect(errors[1].message).toContain('batchSize');
  });

  it('reports U-Net and scheduler problems with their model./diffusion. paths', () => {
    expect(errorsOf({ model: { dropout: 2 } })[0].path).toBe('model.dropout');
    expect(errorsOf({ model: { preset: 'huge' } })[0]).toMatchObject({ path: 'model.preset' });
    expect(errorsOf({ diffusion: { beta_schedule: 'cubic' } })[0].path).toBe('diffusion.beta_schedule');
    expect(errorsOf({ diffusion: { beta_end: 1.5 } })[0]).toMatchObject({ path: 'diffusion.beta_end' });
  });

  it('checks settings that depend on each other', () => {
    expect(errorsOf({ diffusion: { num_train_timesteps: 100 } }).map((e) => e.path)).toEqual([
      'sampling.steps',
    ]);
    const cosine = errorsOf({
      diffusion: { beta_schedule: 'squaredcos_cap_v2', num_train_timesteps: 500 },
      sampling: { steps: 100 },
    });
    expect(cosine[0].path).toBe('diffusion.scale_betas_to_T');
    expect(cosine[0].message).toContain('cosine');
  });

  it('a model preset restarts the model section, other model keys override it', () => {
    const c = parseRunConfig({ model: { preset: 'cifar-small', dropout: 0.3 } });
    expect(c.model.block_out_channels).toEqual([64, 128, 128]);
    expect(c.model.dropout).toBe(0.3);
  });

  it('parseRunConfig throws one RunConfigError listing every issue', () => {
    expect(() => parseRunConfig(null)).toThrow(RunConfigError);
    let error: unknown;
    try {
      parseRunConfig({ training: { seed: -1, useEma: 'yes' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunConfigError);
    expect((error as RunConfigError).issues.map((i) => i.path).sort()).toEqual([
      'training.seed',
      'training.useEma',
    ]);
    expect((error as Error).message).toContain('training.seed = -1 is not allowed');
    expect((error as Error).message).toContain(
      'training.useEma = "yes" is not allowed; allowed: true or false',
    );
  });
});
