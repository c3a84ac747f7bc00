/**
 * The run config's one schema (valibot): every setting the lab defines or the Configure form
 * shows is declared here once, with its type, its range and how the form shows it. The RunConfig
 * types (runConfig.ts), validation and its messages (validate.ts), the form fields (form.ts), the
 * URL hash's nullable strings (hash.ts) and the CLI's flag checks all derive from it
 * (settings.ts reads it). Adding a switch is one entry here, its default in runConfig.ts (the
 * type demands one) and its behaviour.
 *
 * The U-Net and scheduler keys the form does not show are diffusers' own and stay with their
 * parsers (`parseUNetConfig`, `resolveSchedulerConfig`), which also read model files; those
 * parsers check the whole model and diffusion sections after this schema.
 */
import * as v from 'valibot';
import { MAX_TRAIN_TIMESTEPS, SCHEDULER_ENUMS } from '../diffusion/config';
import type { InitScheme } from '../model/init';
import { UNET_PRESET_NAMES, type UNetPresetName } from '../model/presets';

/** The Configure form's groups, in the order it shows them. */
export const FORM_GROUPS = {
  ablations: 'Ablations: the learner’s deviations (docs/ddpm.md §4)',
  model: 'Model',
  schedule: 'Noise schedule',
  optimisation: 'Optimisation',
} as const;

/** A group of {@link FORM_GROUPS}. */
export type FormGroup = keyof typeof FORM_GROUPS;

/** How a setting is shown and explained; a setting without `group` is not in the Configure form. */
export type SettingMeta = {
  label: string;
  /** The unit of a number ("steps", "s"), which the form writes after the label. */
  unit?: string;
  /** Where the paper's value comes from (the form adds the value), or for a lab setting what it does. */
  source: string;
  group?: FormGroup;
  /** A setting of the lab, not of the paper: its default is shown, and no deviation is marked. */
  lab?: true;
  /** The number input's step. */
  step?: number;
  /** The select's options in order, with their texts (values the form does not offer are left out). */
  options?: readonly (readonly [value: string | null, text: string])[];
  /** What null means, for a setting that may be null ("no clipping"). */
  nullMeans?: string;
  /** The setting (a path) whose value is this one's maximum, checked after both are valid. */
  maxFrom?: string;
};

const HO = 'Ho et al. 2020';

/** Type-checks a setting's metadata where valibot's `metadata` would accept any record. */
const about = (m: SettingMeta) => m;

const integer = (min: number, max: number, m: SettingMeta) =>
  v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max), v.metadata(m));
const boolean = (m: SettingMeta) => v.pipe(v.boolean(), v.metadata(m));
const oneOf = <T extends string>(values: readonly T[], m: SettingMeta) =>
  v.pipe(v.picklist(values), v.metadata(m));
const SEED = (m: SettingMeta) => integer(0, 2 ** 32 - 1, m);

/** Where the training images come from: a built-in set, a dropped CIFAR-10 archive, or other dropped files. */
export type DatasetId = 'mnist' | 'fashion-mnist' | 'shapes' | 'cifar10' | 'files';

/** The dataset ids, in the order the UI lists them. */
export const DATASET_IDS: readonly DatasetId[] = ['mnist', 'fashion-mnist', 'shapes', 'cifar10', 'files'];

const DATA = v.strictObject({
  dataset: oneOf(DATASET_IDS, { label: 'Dataset', source: 'CIFAR-10 in the paper (§4).' }),
  /** Train on one class (name like "horse" or index like "3"); null keeps all. */
  classFilter: v.pipe(
    v.nullable(
      v.pipe(
        v.string(),
        v.check((s) => s.trim() !== ''),
        v.description('a class name or index'),
      ),
    ),
    v.metadata(about({ label: 'Class', source: 'All classes in the paper.', nullMeans: 'all classes' })),
  ),
});

/**
 * The model section's own keys and the U-Net keys the form shows; the other UNet2DModel keys are
 * checked by `parseUNetConfig`.
 */
const MODEL = v.object({
  /** The U-Net preset the other keys override ('custom' for none). */
  preset: oneOf([...UNET_PRESET_NAMES, 'custom'] as (UNetPresetName | 'custom')[], {
    label: 'U-Net',
    source: `${HO} Appendix B: ch 128, ch_mult (1, 2, 2, 2), 2 res blocks, attention at 16×16: 35.7M parameters.`,
    group: 'model',
    options: [
      ['tiny', 'tiny: 16×16, 0.70M parameters (tests)'],
      ['mnist', 'mnist: 32×32 gray, 1.6M'],
      ['cifar-small', 'cifar-small: 32×32 RGB, 6.5M'],
      ['paper-cifar10', 'paper-cifar10: 35.7M (the paper’s)'],
      ['custom', 'custom'],
    ],
  }),
  /** The initialisation scheme. */
  init: oneOf(['ddpm', 'pytorch'] satisfies InitScheme[], {
    label: 'Initialisation',
    source: 'The paper’s TensorFlow initialisation (zero-initialised residual branches).',
  }),
  dropout: v.pipe(
    v.number(),
    v.minValue(0),
    v.ltValue(1),
    v.metadata(
      about({ label: 'Dropout', source: `${HO} Appendix B: 0.1 on CIFAR-10.`, group: 'model', step: 0.05 }),
    ),
  ),
  lab_norm_after_conv_in: v.pipe(
    v.nullable(v.picklist(['batch'])),
    v.metadata(
      about({
        label: 'Norm after conv_in',
        source:
          'The paper uses GroupNorm inside blocks only; BatchNorm couples the images of a batch and behaves differently when sampling.',
        group: 'ablations',
        nullMeans: 'none',
        options: [
          [null, 'none (paper)'],
          ['batch', 'BatchNorm (lab format only)'],
        ],
      }),
    ),
  ),
});

/** A β of the linear schedules; whether every β_t lies in (0, 1) is checked where the betas are built. */
const beta = (label: string, source: string, step: number) =>
  v.pipe(
    v.number(),
    v.gtValue(0),
    v.ltValue(1),
    v.metadata(about({ label, source, group: 'schedule', step })),
  );

/**
 * `scale_betas_to_T` and the scheduler keys the form shows; the other DDPMScheduler keys are
 * checked by `resolveSchedulerConfig`.
 */
const DIFFUSION = v.object({
  num_train_timesteps: integer(1, MAX_TRAIN_TIMESTEPS, {
    label: 'T',
    unit: 'diffusion steps',
    source: `${HO} §4: T = 1000. With 250 and unscaled betas, √ᾱ_T ≈ 0.28: sampling starts off the training distribution.`,
    group: 'ablations',
  }),
  /** Read beta_start and beta_end as tuned for T = 1000 and scale them by 1000/T (`effectiveSchedulerConfig`). */
  scale_betas_to_T: boolean({
    label: 'Scale betas to T',
    source:
      'The paper’s betas are tuned for T = 1000; scaling them by 1000/T keeps ᾱ_T ≈ 4e-5 at any T (Nichol & Dhariwal 2021 §3.2).',
    group: 'ablations',
  }),
  beta_schedule: oneOf(SCHEDULER_ENUMS.beta_schedule, {
    label: 'β schedule',
    source: `${HO} §4: linear.`,
    group: 'schedule',
    options: [
      ['linear', 'linear (paper)'],
      ['scaled_linear', 'scaled_linear'],
      ['squaredcos_cap_v2', 'cosine (Nichol & Dhariwal)'],
    ],
  }),
  beta_start: beta('β_1', `${HO} §4: 1e-4.`, 0.0001),
  beta_end: beta('β_T', `${HO} §4: 0.02.`, 0.001),
  prediction_type: oneOf(SCHEDULER_ENUMS.prediction_type, {
    label: 'Model predicts',
    source: `${HO} §3.2 and eq. 14: ε-prediction with the simple MSE loss.`,
    group: 'schedule',
    options: [
      ['epsilon', 'ε, the noise (paper)'],
      ['sample', 'x₀'],
      ['v_prediction', 'v'],
    ],
  }),
  variance_type: oneOf(SCHEDULER_ENUMS.variance_type, {
    label: 'Sampling variance',
    source: `${HO} §3.2: both work; google/ddpm-cifar10-32 uses fixed_large.`,
    group: 'schedule',
    options: [
      ['fixed_large', 'σ² = β (fixed_large)'],
      ['fixed_small', 'σ² = β̃ (fixed_small)'],
    ],
  }),
  clip_sample: boolean({
    label: 'Clip x₀ to [−1, 1]',
    source: 'The paper’s sampler clips the predicted x₀ (clip_sample: true in the released checkpoint).',
    group: 'schedule',
  }),
});

const TRAINING = v.strictObject({
  batchSize: integer(1, 4096, {
    label: 'Batch size',
    source: `${HO} Appendix B and run_cifar.py: 128.`,
    group: 'ablations',
  }),
  lr: v.pipe(
    v.number(),
    v.gtValue(0),
    v.maxValue(1),
    v.metadata(
      about({
        label: 'Learning rate',
        source: `${HO} §4: Adam, 2e-4 on CIFAR-10.`,
        group: 'optimisation',
        step: 0.0001,
      }),
    ),
  ),
  /** Linear lr warm-up over this many steps (the paper's get_warmed_up_lr); 0 turns it off. */
  warmupSteps: integer(0, 10_000_000, {
    label: 'Warm-up',
    unit: 'steps',
    source: 'run_cifar.py: linear warm-up over 5,000 steps.',
    group: 'optimisation',
  }),
  /** Clip gradients to this global L2 norm; null turns clipping off. */
  gradClipNorm: v.pipe(
    v.nullable(v.pipe(v.number(), v.finite(), v.gtValue(0))),
    v.metadata(
      about({
        label: 'Clip gradient norm',
        source: 'run_cifar.py: global norm 1.0. Empty turns clipping off.',
        group: 'optimisation',
        step: 0.1,
        nullMeans: 'no clipping',
      }),
    ),
  ),
  emaDecay: v.pipe(
    v.number(),
    v.minValue(0),
    v.ltValue(1),
    v.metadata(
      about({ label: 'EMA decay', source: `${HO} §4: 0.9999.`, group: 'optimisation', step: 0.0001 }),
    ),
  ),
  /**
   * false: the paper's EMA (the first update copies the weights, then the constant decay); true:
   * TensorFlow's num_updates warm-up, decay min(emaDecay, (1+n)/(10+n)) after n updates.
   */
  emaWarmup: boolean({
    label: 'EMA warm-up',
    source:
      'The paper’s make_ema copies the weights at the first update, then uses the constant decay. On: decay min(decay, (1+n)/(10+n)) after n updates (TensorFlow’s num_updates), as the defaults and the tiny, mnist and cifar-small presets do: short runs: without it the EMA is still mostly the random initial weights.',
    group: 'optimisation',
  }),
  useEma: boolean({
    label: 'EMA of the weights',
    source: `${HO} §4: samples use an EMA of the weights.`,
    group: 'ablations',
  }),
  /** One t for the whole batch (the learner's mistake) instead of one per example. */
  sharedT: boolean({
    label: 'One t for the whole batch',
    source: `${HO} Algorithm 1: t ~ U{1..T} per example. A shared t gives each step one noise level and a jumpy loss.`,
    group: 'ablations',
  }),
  /**
   * Two Adam steps per batch on the same gradients (the learner's script calls optimizer.step()
   * twice after one backward): the moments move twice and the step is about twice as long.
   */
  doubleOptimizerStep: boolean({
    label: 'Two optimizer steps per batch',
    source: `${HO} Algorithm 1: one gradient step per batch. The learner’s script calls optimizer.step() twice: an effective lr about doubled.`,
    group: 'ablations',
  }),
  /**
   * How bytes become model inputs: the paper's [-1, 1] ('unit'), per-channel mean 0 / std 1
   * ('meanstd', an ablation) or [0, 1] ('zero-one': the learner's script, whose
   * `Normalize(mean=0, std=1)` after `ToTensor()` is a no-op).
   */
  normalization: oneOf(['unit', 'meanstd', 'zero-one'], {
    label: 'Input normalisation',
    source: `${HO} §3.3: pixels scaled linearly to [−1, 1], the range x₀ clipping assumes.`,
    group: 'ablations',
    options: [
      ['unit', '[−1, 1] (paper)'],
      ['meanstd', 'mean 0, std 1 per channel'],
      ['zero-one', '[0, 1] (the learner’s script)'],
    ],
  }),
  /** Random horizontal flips, where the dataset allows them (never for digits). */
  flip: boolean({
    label: 'Random horizontal flip',
    source: `${HO} Appendix B: random flips on CIFAR-10 (never for digits).`,
    group: 'optimisation',
  }),
  targetSteps: integer(1, 100_000_000, {
    label: 'Target',
    unit: 'steps',
    source: `${HO} Appendix B: 800k steps on CIFAR-10 (about 2,000 epochs).`,
    group: 'optimisation',
  }),
  /** Seeds the weights, the data order, t, the noise, the flips and dropout. */
  seed: SEED({
    label: 'Seed',
    source: 'Seeds weights, data order, t, noise and flips: the same seed repeats the run.',
    group: 'optimisation',
    lab: true,
  }),
  /** Milliseconds between metric events (the UI needs at most ~20 a second). */
  logEveryMs: integer(10, 60_000, { label: 'Log every', unit: 'ms', source: 'Lab setting.', lab: true }),
  /** Steps between preview grids; 0 turns them off. */
  previewEverySteps: integer(0, 100_000_000, {
    label: 'Preview every',
    unit: 'steps',
    source: 'Lab setting: a fixed-seed DDIM grid every N steps; 0 turns it off.',
    group: 'optimisation',
    lab: true,
  }),
  previewImages: integer(1, 64, { label: 'Preview images', source: 'Lab setting.', lab: true }),
  /** DDIM steps of a preview grid. */
  previewSteps: integer(1, MAX_TRAIN_TIMESTEPS, {
    label: 'Preview',
    unit: 'DDIM steps',
    source: 'Lab setting: DDIM steps of a preview grid.',
    lab: true,
    maxFrom: 'diffusion.num_train_timesteps',
  }),
  /** Seconds between autosaved checkpoints; 0 saves only at pause and stop. */
  checkpointEverySec: integer(0, 86_400, {
    label: 'Autosave every',
    unit: 's',
    source: 'Lab setting: checkpoints to this browser (IndexedDB); 0 saves at pause and stop only.',
    group: 'optimisation',
    lab: true,
  }),
});

const SAMPLING = v.strictObject({
  sampler: oneOf(['ddpm', 'ddim'], { label: 'Sampler', source: `${HO} Algorithm 2: ancestral DDPM.` }),
  steps: integer(1, MAX_TRAIN_TIMESTEPS, {
    label: 'Steps',
    source: `${HO} Algorithm 2: all T steps.`,
    maxFrom: 'diffusion.num_train_timesteps',
  }),
  eta: v.pipe(
    v.number(),
    v.minValue(0),
    v.maxValue(1),
    v.metadata(
      about({ label: 'η', source: 'DDIM only: 0 is Song et al.’s deterministic sampler, 1 ancestral.' }),
    ),
  ),
  numImages: integer(1, 64, { label: 'Images', source: 'Lab setting.', lab: true }),
  seed: SEED({ label: 'Seed', source: 'Lab setting.', lab: true }),
  useEma: boolean({ label: 'EMA weights', source: `${HO} §4: samples use the EMA weights.` }),
  clip: boolean({ label: 'Clip x₀', source: 'The released checkpoint’s clip_sample: true.' }),
  /**
   * The learner's last reverse step: the model is not called at the last timestep; the previous
   * step's ε̂ and t are reused with x ← (x − (1−α)/√(1−α)·ε̂)/√α instead of the posterior mean.
   */
  brokenFinalStep: boolean({
    label: 'The learner’s last reverse step',
    source: `${HO} Algorithm 2: the model is called at every t down to the last. The learner reuses t = 1’s ε̂ with (1−α)/√(1−α).`,
    group: 'ablations',
  }),
  /** Show each sample stretched to its own min–max beside its true range (the learner's display). */
  displayMinMax: boolean({
    label: 'Show samples min–max stretched too',
    source:
      'Samples map [−1, 1] to 0..255. Stretching each to its own min–max (the learner’s display) hides a wrong range.',
    group: 'ablations',
  }),
});

/** The schema of each section, in the order sections are written everywhere. */
export const SECTION_SCHEMAS = {
  data: DATA,
  model: MODEL,
  diffusion: DIFFUSION,
  training: TRAINING,
  sampling: SAMPLING,
} as const;

/** Sections whose every key is declared here (the others hold diffusers keys their parsers check). */
export const CLOSED_SECTIONS = ['data', 'training', 'sampling'] as const;

/** Data section: which images, optionally one class only. */
export type DataConfig = v.InferOutput<typeof DATA>;
/** The model section's keys declared here (the rest is diffusers' UNet2DModel config). */
export type ModelSettings = v.InferOutput<typeof MODEL>;
/** The diffusion section's keys declared here (the rest is diffusers' scheduler config). */
export type DiffusionSettings = v.InferOutput<typeof DIFFUSION>;
/** Training section: the optimisation recipe and the learner's deviations from it. */
export type TrainingConfig = v.InferOutput<typeof TRAINING>;
/** Sampling section: the settings the Sample view starts from. */
export type SamplingConfig = v.InferOutput<typeof SAMPLING>;
/** How bytes become model inputs: the paper's [-1, 1] or per-channel mean 0 / std 1 (an ablation). */
export type InputNormalization = TrainingConfig['normalization'];
