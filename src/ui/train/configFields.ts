/**
 * The Configure form as data: every run-config field it shows, with the paper's default and where
 * that default comes from. Paths are the run config's own (the ones its validation errors and the
 * URL hash use). The learner's deviations (DDPM.md §4) form their own group, "Ablations".
 */

export type FieldKind = 'int' | 'number' | 'select' | 'checkbox' | 'optionalNumber';

export interface FieldSpec {
  path: string;
  label: string;
  kind: FieldKind;
  /** Where the paper's value comes from; the form adds the value itself. */
  source: string;
  /** A setting of the lab, not of the paper: its default is shown, and no deviation is marked. */
  lab?: true;
  options?: readonly { value: string | null; text: string }[];
  step?: number;
  min?: number;
  max?: number;
}

export interface FieldGroup {
  title: string;
  fields: readonly FieldSpec[];
}

const HO = 'Ho et al. 2020';

export const ABLATIONS: FieldGroup = {
  title: 'Ablations: the learner’s deviations (DDPM.md §4)',
  fields: [
    {
      path: 'diffusion.num_train_timesteps',
      label: 'T (diffusion steps)',
      kind: 'int',
      min: 2,
      source: `${HO} §4: T = 1000. With 250 and unscaled betas, √ᾱ_T ≈ 0.28: sampling starts off the training distribution.`,
    },
    {
      path: 'diffusion.scale_betas_to_T',
      label: 'Scale betas to T',
      kind: 'checkbox',
      source:
        'The paper’s betas are tuned for T = 1000; scaling them by 1000/T keeps ᾱ_T ≈ 4e-5 at any T (Nichol & Dhariwal 2021 §3.2).',
    },
    {
      path: 'training.sharedT',
      label: 'One t for the whole batch',
      kind: 'checkbox',
      source: `${HO} Algorithm 1: t ~ U{1..T} per example. A shared t gives each step one noise level and a jumpy loss.`,
    },
    {
      path: 'training.normalization',
      label: 'Input normalisation',
      kind: 'select',
      options: [
        { value: 'unit', text: '[−1, 1] (paper)' },
        { value: 'meanstd', text: 'mean 0, std 1 per channel' },
      ],
      source: `${HO} §3.3: pixels scaled linearly to [−1, 1], the range x₀ clipping assumes.`,
    },
    {
      path: 'training.batchSize',
      label: 'Batch size',
      kind: 'int',
      min: 1,
      source: `${HO} Appendix B and run_cifar.py: 128.`,
    },
    {
      path: 'model.lab_norm_after_conv_in',
      label: 'Norm after conv_in',
      kind: 'select',
      options: [
        { value: null, text: 'none (paper)' },
        { value: 'batch', text: 'BatchNorm (lab format only)' },
      ],
      source:
        'The paper uses GroupNorm inside blocks only; BatchNorm couples the images of a batch and behaves differently when sampling.',
    },
    {
      path: 'training.useEma',
      label: 'EMA of the weights',
      kind: 'checkbox',
      source: `${HO} §4: samples use an EMA of the weights.`,
    },
  ],
};

export const GROUPS: readonly FieldGroup[] = [
  {
    title: 'Model',
    fields: [
      {
        path: 'model.preset',
        label: 'U-Net',
        kind: 'select',
        options: [
          { value: 'tiny', text: 'tiny: 16×16, 0.70M parameters (tests)' },
          { value: 'mnist', text: 'mnist: 32×32 gray, 1.6M' },
          { value: 'cifar-small', text: 'cifar-small: 32×32 RGB, 6.5M' },
          { value: 'paper-cifar10', text: 'paper-cifar10: 35.7M (the paper’s)' },
          { value: 'custom', text: 'custom' },
        ],
        source: `${HO} Appendix B: ch 128, ch_mult (1, 2, 2, 2), 2 res blocks, attention at 16×16: 35.7M parameters.`,
      },
      {
        path: 'model.dropout',
        label: 'Dropout',
        kind: 'number',
        step: 0.05,
        min: 0,
        max: 1,
        source: `${HO} Appendix B: 0.1 on CIFAR-10.`,
      },
    ],
  },
  {
    title: 'Noise schedule',
    fields: [
      {
        path: 'diffusion.beta_schedule',
        label: 'β schedule',
        kind: 'select',
        options: [
          { value: 'linear', text: 'linear (paper)' },
          { value: 'scaled_linear', text: 'scaled_linear' },
          { value: 'squaredcos_cap_v2', text: 'cosine (Nichol & Dhariwal)' },
        ],
        source: `${HO} §4: linear.`,
      },
      {
        path: 'diffusion.beta_start',
        label: 'β_1',
        kind: 'number',
        step: 0.0001,
        min: 0,
        max: 1,
        source: `${HO} §4: 1e-4.`,
      },
      {
        path: 'diffusion.beta_end',
        label: 'β_T',
        kind: 'number',
        step: 0.001,
        min: 0,
        max: 1,
        source: `${HO} §4: 0.02.`,
      },
      {
        path: 'diffusion.prediction_type',
        label: 'Model predicts',
        kind: 'select',
        options: [
          { value: 'epsilon', text: 'ε, the noise (paper)' },
          { value: 'sample', text: 'x₀' },
          { value: 'v_prediction', text: 'v' },
        ],
        source: `${HO} §3.2 and eq. 14: ε-prediction with the simple MSE loss.`,
      },
      {
        path: 'diffusion.variance_type',
        label: 'Sampling variance',
        kind: 'select',
        options: [
          { value: 'fixed_large', text: 'σ² = β (fixed_large)' },
          { value: 'fixed_small', text: 'σ² = β̃ (fixed_small)' },
        ],
        source: `${HO} §3.2: both work; google/ddpm-cifar10-32 uses fixed_large.`,
      },
      {
        path: 'diffusion.clip_sample',
        label: 'Clip x₀ to [−1, 1]',
        kind: 'checkbox',
        source: 'The paper’s sampler clips the predicted x₀ (clip_sample: true in the released checkpoint).',
      },
    ],
  },
  {
    title: 'Optimisation',
    fields: [
      {
        path: 'training.lr',
        label: 'Learning rate',
        kind: 'number',
        step: 0.0001,
        min: 0,
        source: `${HO} §4: Adam, 2e-4 on CIFAR-10.`,
      },
      {
        path: 'training.warmupSteps',
        label: 'Warm-up steps',
        kind: 'int',
        min: 0,
        source: 'run_cifar.py: linear warm-up over 5,000 steps.',
      },
      {
        path: 'training.gradClipNorm',
        label: 'Clip gradient norm',
        kind: 'optionalNumber',
        step: 0.1,
        min: 0,
        source: 'run_cifar.py: global norm 1.0. Empty turns clipping off.',
      },
      {
        path: 'training.emaDecay',
        label: 'EMA decay',
        kind: 'number',
        step: 0.0001,
        min: 0,
        max: 1,
        source: `${HO} §4: 0.9999.`,
      },
      {
        path: 'training.flip',
        label: 'Random horizontal flip',
        kind: 'checkbox',
        source: `${HO} Appendix B: random flips on CIFAR-10 (never for digits).`,
      },
      {
        path: 'training.targetSteps',
        label: 'Target steps',
        kind: 'int',
        min: 1,
        source: `${HO} Appendix B: 800k steps on CIFAR-10 (about 2,000 epochs).`,
      },
      {
        path: 'training.seed',
        lab: true,
        label: 'Seed',
        kind: 'int',
        source: 'Seeds weights, data order, t, noise and flips: the same seed repeats the run.',
      },
      {
        path: 'training.previewEverySteps',
        lab: true,
        label: 'Preview every (steps)',
        kind: 'int',
        min: 0,
        source: 'Lab setting: a fixed-seed DDIM grid every N steps; 0 turns it off.',
      },
      {
        path: 'training.checkpointEverySec',
        lab: true,
        label: 'Autosave every (s)',
        kind: 'int',
        min: 0,
        source: 'Lab setting: checkpoints to this browser (IndexedDB); 0 saves at pause and stop only.',
      },
    ],
  },
];
