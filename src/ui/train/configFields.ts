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

/** A field of any kind but select; `extra` holds its input's range and the lab flag. */
function field(
  kind: Exclude<FieldKind, 'select'>,
  path: string,
  label: string,
  source: string,
  extra: Pick<FieldSpec, 'step' | 'min' | 'max' | 'lab'> = {},
): FieldSpec {
  return { path, label, kind, source, ...extra };
}

/** A select; each option is [value, text]. */
function select(
  path: string,
  label: string,
  source: string,
  options: readonly (readonly [string | null, string])[],
): FieldSpec {
  return { path, label, kind: 'select', source, options: options.map(([value, text]) => ({ value, text })) };
}

export const ABLATIONS: FieldGroup = {
  title: 'Ablations: the learner’s deviations (DDPM.md §4)',
  fields: [
    field(
      'int',
      'diffusion.num_train_timesteps',
      'T (diffusion steps)',
      `${HO} §4: T = 1000. With 250 and unscaled betas, √ᾱ_T ≈ 0.28: sampling starts off the training distribution.`,
      { min: 2 },
    ),
    field(
      'checkbox',
      'diffusion.scale_betas_to_T',
      'Scale betas to T',
      'The paper’s betas are tuned for T = 1000; scaling them by 1000/T keeps ᾱ_T ≈ 4e-5 at any T (Nichol & Dhariwal 2021 §3.2).',
    ),
    field(
      'checkbox',
      'training.sharedT',
      'One t for the whole batch',
      `${HO} Algorithm 1: t ~ U{1..T} per example. A shared t gives each step one noise level and a jumpy loss.`,
    ),
    select(
      'training.normalization',
      'Input normalisation',
      `${HO} §3.3: pixels scaled linearly to [−1, 1], the range x₀ clipping assumes.`,
      [
        ['unit', '[−1, 1] (paper)'],
        ['meanstd', 'mean 0, std 1 per channel'],
        ['zero-one', '[0, 1] (the learner’s script)'],
      ],
    ),
    field(
      'checkbox',
      'training.doubleOptimizerStep',
      'Two optimizer steps per batch',
      `${HO} Algorithm 1: one gradient step per batch. The learner’s script calls optimizer.step() twice: an effective lr about doubled.`,
    ),
    field(
      'checkbox',
      'sampling.brokenFinalStep',
      'The learner’s last reverse step',
      `${HO} Algorithm 2: the model is called at every t down to the last. The learner reuses t = 1’s ε̂ with (1−α)/√(1−α).`,
    ),
    field(
      'checkbox',
      'sampling.displayMinMax',
      'Show samples min–max stretched too',
      'Samples map [−1, 1] to 0..255. Stretching each to its own min–max (the learner’s display) hides a wrong range.',
    ),
    field('int', 'training.batchSize', 'Batch size', `${HO} Appendix B and run_cifar.py: 128.`, { min: 1 }),
    select(
      'model.lab_norm_after_conv_in',
      'Norm after conv_in',
      'The paper uses GroupNorm inside blocks only; BatchNorm couples the images of a batch and behaves differently when sampling.',
      [
        [null, 'none (paper)'],
        ['batch', 'BatchNorm (lab format only)'],
      ],
    ),
    field(
      'checkbox',
      'training.useEma',
      'EMA of the weights',
      `${HO} §4: samples use an EMA of the weights.`,
    ),
  ],
};

export const GROUPS: readonly FieldGroup[] = [
  {
    title: 'Model',
    fields: [
      select(
        'model.preset',
        'U-Net',
        `${HO} Appendix B: ch 128, ch_mult (1, 2, 2, 2), 2 res blocks, attention at 16×16: 35.7M parameters.`,
        [
          ['tiny', 'tiny: 16×16, 0.70M parameters (tests)'],
          ['mnist', 'mnist: 32×32 gray, 1.6M'],
          ['cifar-small', 'cifar-small: 32×32 RGB, 6.5M'],
          ['paper-cifar10', 'paper-cifar10: 35.7M (the paper’s)'],
          ['custom', 'custom'],
        ],
      ),
      field('number', 'model.dropout', 'Dropout', `${HO} Appendix B: 0.1 on CIFAR-10.`, {
        step: 0.05,
        min: 0,
        max: 1,
      }),
    ],
  },
  {
    title: 'Noise schedule',
    fields: [
      select('diffusion.beta_schedule', 'β schedule', `${HO} §4: linear.`, [
        ['linear', 'linear (paper)'],
        ['scaled_linear', 'scaled_linear'],
        ['squaredcos_cap_v2', 'cosine (Nichol & Dhariwal)'],
      ]),
      field('number', 'diffusion.beta_start', 'β_1', `${HO} §4: 1e-4.`, { step: 0.0001, min: 0, max: 1 }),
      field('number', 'diffusion.beta_end', 'β_T', `${HO} §4: 0.02.`, { step: 0.001, min: 0, max: 1 }),
      select(
        'diffusion.prediction_type',
        'Model predicts',
        `${HO} §3.2 and eq. 14: ε-prediction with the simple MSE loss.`,
        [
          ['epsilon', 'ε, the noise (paper)'],
          ['sample', 'x₀'],
          ['v_prediction', 'v'],
        ],
      ),
      select(
        'diffusion.variance_type',
        'Sampling variance',
        `${HO} §3.2: both work; google/ddpm-cifar10-32 uses fixed_large.`,
        [
          ['fixed_large', 'σ² = β (fixed_large)'],
          ['fixed_small', 'σ² = β̃ (fixed_small)'],
        ],
      ),
      field(
        'checkbox',
        'diffusion.clip_sample',
        'Clip x₀ to [−1, 1]',
        'The paper’s sampler clips the predicted x₀ (clip_sample: true in the released checkpoint).',
      ),
    ],
  },
  {
    title: 'Optimisation',
    fields: [
      field('number', 'training.lr', 'Learning rate', `${HO} §4: Adam, 2e-4 on CIFAR-10.`, {
        step: 0.0001,
        min: 0,
      }),
      field(
        'int',
        'training.warmupSteps',
        'Warm-up steps',
        'run_cifar.py: linear warm-up over 5,000 steps.',
        { min: 0 },
      ),
      field(
        'optionalNumber',
        'training.gradClipNorm',
        'Clip gradient norm',
        'run_cifar.py: global norm 1.0. Empty turns clipping off.',
        { step: 0.1, min: 0 },
      ),
      field('number', 'training.emaDecay', 'EMA decay', `${HO} §4: 0.9999.`, {
        step: 0.0001,
        min: 0,
        max: 1,
      }),
      field(
        'checkbox',
        'training.flip',
        'Random horizontal flip',
        `${HO} Appendix B: random flips on CIFAR-10 (never for digits).`,
      ),
      field(
        'int',
        'training.targetSteps',
        'Target steps',
        `${HO} Appendix B: 800k steps on CIFAR-10 (about 2,000 epochs).`,
        { min: 1 },
      ),
      field(
        'int',
        'training.seed',
        'Seed',
        'Seeds weights, data order, t, noise and flips: the same seed repeats the run.',
        { lab: true },
      ),
      field(
        'int',
        'training.previewEverySteps',
        'Preview every (steps)',
        'Lab setting: a fixed-seed DDIM grid every N steps; 0 turns it off.',
        { min: 0, lab: true },
      ),
      field(
        'int',
        'training.checkpointEverySec',
        'Autosave every (s)',
        'Lab setting: checkpoints to this browser (IndexedDB); 0 saves at pause and stop only.',
        { min: 0, lab: true },
      ),
    ],
  },
];
