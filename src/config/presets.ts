/**
 * Run presets: small override sets applied on top of the defaults (never on top of each other),
 * so a preset reads as "what differs from the paper's recipe on MNIST".
 */
import { PAPER_DIFFUSION, PAPER_TRAINING } from './paperRecipe';
import type { RunConfigOverrides } from './runConfig';

/** The names the UI's one-click buttons, the URL hash and `ddpm-lab train --preset` accept. */
export type RunPresetName = 'paper' | 'learner' | 'learner-code' | 'tiny' | 'mnist' | 'cifar-small';

/** The paper's CIFAR-10 recipe exactly (docs/ddpm.md §1), the EMA without warm-up included. */
const PAPER: RunConfigOverrides = {
  data: { dataset: 'cifar10', classFilter: null },
  model: { preset: 'paper-cifar10', init: 'ddpm' },
  diffusion: PAPER_DIFFUSION,
  training: PAPER_TRAINING,
  sampling: { sampler: 'ddpm', steps: 1000, useEma: true, clip: true },
};

/**
 * The setup of a learner who could not reproduce DDPM (docs/ddpm.md §4): the paper's recipe with
 * T = 250 and unscaled betas, one t per batch, batch 64, mean/std inputs and BatchNorm after
 * conv_in. 44,531 steps are the 57 epochs of CIFAR-10 at batch 64 after which they saw blobs.
 */
const LEARNER: RunConfigOverrides = {
  data: PAPER.data,
  model: { ...PAPER.model, lab_norm_after_conv_in: 'batch' },
  diffusion: { ...PAPER.diffusion, num_train_timesteps: 250, scale_betas_to_T: false },
  training: {
    ...PAPER.training,
    sharedT: true,
    batchSize: 64,
    normalization: 'meanstd',
    targetSteps: 44_531,
  },
  sampling: { ...PAPER.sampling, steps: 250 },
};

/**
 * What the learner's public training script (CIFAR-10, PyTorch) really does, beside `learner`
 * (what their post described): linear betas 1e-3..0.03 over T = 500, lr 1e-4 without warm-up,
 * dropout 0, no EMA, batch 128, optimizer.step() twice per batch, inputs left in [0, 1], the
 * wrong last reverse step, and samples shown min–max stretched.
 */
const LEARNER_CODE: RunConfigOverrides = {
  data: PAPER.data,
  model: { ...PAPER.model, dropout: 0 },
  diffusion: {
    ...PAPER.diffusion,
    num_train_timesteps: 500,
    beta_start: 0.001,
    beta_end: 0.03,
    scale_betas_to_T: false,
  },
  training: {
    ...PAPER.training,
    batchSize: 128,
    lr: 1e-4,
    warmupSteps: 0,
    useEma: false,
    doubleOptimizerStep: true,
    normalization: 'zero-one',
  },
  sampling: { ...PAPER.sampling, steps: 500, useEma: false, brokenFinalStep: true, displayMinMax: true },
};

const PRESETS: Record<RunPresetName, RunConfigOverrides> = {
  paper: PAPER,
  learner: LEARNER,
  'learner-code': LEARNER_CODE,
  // For tests and e2e on a CPU-emulated GPU, where per-kernel cost dominates: the tiny U-Net's
  // layout at 8×8 with 16/32 channels (0.18M parameters; a step costs a quarter of 16×16's),
  // Shapes resized to 8×8, a higher lr without warm-up so the loss visibly falls within 10 steps.
  tiny: {
    data: { dataset: 'shapes' },
    model: { preset: 'tiny', sample_size: 8, block_out_channels: [16, 32], norm_num_groups: 4 },
    training: {
      batchSize: 8,
      lr: 3e-3,
      warmupSteps: 0,
      emaDecay: 0.99,
      // Short runs: without the warm-up the EMA is still mostly the random initial weights.
      emaWarmup: true,
      targetSteps: 100,
      previewEverySteps: 50,
      previewImages: 4,
      previewSteps: 5,
    },
    sampling: { sampler: 'ddim', steps: 10, numImages: 4 },
  },
  // Digits in minutes on a laptop GPU: batch 64, a short warm-up and an EMA that settles in
  // hundreds of steps rather than tens of thousands.
  mnist: {
    data: { dataset: 'mnist' },
    model: { preset: 'mnist' },
    training: {
      batchSize: 64,
      lr: 5e-4,
      warmupSteps: 500,
      emaDecay: 0.999,
      // Short runs: without the warm-up the EMA is still mostly the random initial weights.
      emaWarmup: true,
      flip: false,
      targetSteps: 5000,
    },
    sampling: { sampler: 'ddim', steps: 50 },
  },
  // CIFAR-10 on a laptop GPU: the paper's layout at half width (6.5M parameters), batch 64.
  'cifar-small': {
    data: { dataset: 'cifar10' },
    model: { preset: 'cifar-small' },
    training: {
      batchSize: 64,
      lr: 2e-4,
      warmupSteps: 1000,
      emaDecay: 0.9995,
      // Short runs: without the warm-up the EMA is still mostly the random initial weights.
      emaWarmup: true,
      flip: true,
      targetSteps: 100_000,
    },
    sampling: { sampler: 'ddim', steps: 100 },
  },
};

/** All run preset names, in the order the UI shows them. */
export const RUN_PRESET_NAMES = Object.keys(PRESETS) as RunPresetName[];

/** Whether `name` is a run preset. */
export function isRunPresetName(name: unknown): name is RunPresetName {
  return typeof name === 'string' && (RUN_PRESET_NAMES as string[]).includes(name);
}

/** A fresh copy of a preset's overrides; throws naming the allowed presets for an unknown name. */
export function runPreset(name: string): RunConfigOverrides {
  if (!isRunPresetName(name))
    throw new Error(`unknown run preset "${name}"; presets: ${RUN_PRESET_NAMES.join(', ')}`);
  return structuredClone(PRESETS[name]);
}
