/**
 * The run config: everything that decides what a training run does, in one typed object with its
 * defaults here (nanoGPT style: every default says why). It travels unchanged through the UI form,
 * the URL hash, the worker, checkpoints, `run.json` and the CLI.
 *
 * The defaults are the paper's recipe (Ho et al. 2020, docs/ddpm.md §1) for every hyperparameter, on
 * the built-in MNIST digits with a small U-Net so a default run trains in a browser; the `paper`
 * preset swaps in CIFAR-10, the 35.7M-parameter U-Net and 800k steps.
 */
import { DEFAULT_SCHEDULER_CONFIG, type SchedulerConfig } from '../diffusion/config';
import type { UNetConfig } from '../model/config';
import { presetConfig, type UNetPresetName } from '../model/presets';
import { PAPER_DIFFUSION, PAPER_TRAINING } from './paperRecipe';
import type { DataConfig, DiffusionSettings, ModelSettings, SamplingConfig, TrainingConfig } from './schema';

export {
  DATASET_IDS,
  type DataConfig,
  type DatasetId,
  type InputNormalization,
  type SamplingConfig,
  type TrainingConfig,
} from './schema';

/** Datasets a user has to drop in (the rest ship with the lab or are generated). */
export const FILE_DATASETS: readonly DataConfig['dataset'][] = ['cifar10', 'files'];

/**
 * Model section: diffusers' UNet2DModel config (the model's own type, keys unchanged) plus where it
 * started: `preset` names the U-Net preset the other keys override ('custom' for none), `init` the
 * initialisation scheme.
 */
export type ModelConfig = UNetConfig & ModelSettings;

/**
 * Diffusion section: diffusers' scheduler config plus `scale_betas_to_T`. With it on, beta_start and
 * beta_end are read as tuned for T = 1000 and scaled by 1000/T (see `effectiveSchedulerConfig`).
 */
export type DiffusionConfig = SchedulerConfig & DiffusionSettings;

/** One run, end to end. */
export interface RunConfig {
  data: DataConfig;
  model: ModelConfig;
  diffusion: DiffusionConfig;
  training: TrainingConfig;
  sampling: SamplingConfig;
}

/** The section names, in the order they are written everywhere. */
export const RUN_CONFIG_SECTIONS = ['data', 'model', 'diffusion', 'training', 'sampling'] as const;

/** A section name of {@link RunConfig}. */
export type RunConfigSection = (typeof RUN_CONFIG_SECTIONS)[number];

/** Any subset of any section: what presets, URL hashes and forms hold. */
export type RunConfigOverrides = { [S in RunConfigSection]?: Partial<RunConfig[S]> };

const DEFAULT_UNET_PRESET: UNetPresetName = 'mnist';

/** The defaults. Deep-frozen: copy with `structuredClone` before editing. */
export const DEFAULT_RUN_CONFIG: Readonly<RunConfig> = deepFreeze({
  data: {
    // Ships with the lab (nothing to download) and gives recognisable samples after a few
    // thousand steps of a small U-Net (docs/ddpm.md §4), so the first run shows learning.
    dataset: 'mnist',
    classFilter: null,
  },
  model: {
    // 1.6M parameters at 32×32 (digits padded from 28): fast enough for a laptop GPU; the paper's
    // 35.7M-parameter U-Net is the `paper-cifar10` preset.
    ...presetConfig(DEFAULT_UNET_PRESET),
    preset: DEFAULT_UNET_PRESET,
    // The paper's TensorFlow initialisation (zero-initialised residual branches), docs/ddpm.md §1.
    init: 'ddpm',
  },
  // The paper's schedule; the keys it does not name (spacing, offsets) keep diffusers' defaults.
  diffusion: { ...DEFAULT_SCHEDULER_CONFIG, ...(PAPER_DIFFUSION satisfies Partial<DiffusionConfig>) },
  // The paper's optimiser, EMA and data handling, with a run length and logging for digits in a browser.
  training: {
    ...(PAPER_TRAINING satisfies Partial<TrainingConfig>),
    // 20k steps are a short run for decay 0.9999: with the paper's EMA, 0.9999^20000 ≈ 14% of the
    // average would still be the random initial weights. The warm-up averages over the steps done.
    emaWarmup: true,
    // Digits become recognisable within a few thousand steps; the paper trains 800k on CIFAR-10.
    targetSteps: 20_000,
    // Any fixed number makes runs repeatable; 0 is as good as any.
    seed: 0,
    // 20 metric events a second is as fast as a chart can usefully redraw.
    logEveryMs: 50,
    // A preview grid costs previewImages × previewSteps forward passes: every 500 steps keeps it
    // under a few percent of training time.
    previewEverySteps: 500,
    previewImages: 16,
    // 20 DDIM steps already give recognisable samples from a decent model (Song et al. 2020, Table 1).
    previewSteps: 20,
    // A minute of work at most is lost to a crash or a closed tab.
    checkpointEverySec: 60,
  },
  sampling: {
    // Ancestral sampling as in the paper, all T steps: slow but the reference result.
    sampler: 'ddpm',
    steps: 1000,
    // Only used by DDIM: 0 is Song et al.'s deterministic sampler.
    eta: 0,
    // A 4×4 grid is enough to judge samples at a glance.
    numImages: 16,
    seed: 0,
    // Sample with the EMA weights, as the paper does.
    useEma: true,
    // Clip the predicted x₀ to [-1, 1] (the released checkpoint's clip_sample: true).
    clip: true,
    // The paper's last step: the model at t = 0 and the posterior mean (the learner's bug is a switch).
    brokenFinalStep: false,
    // Samples shown in their true range [-1, 1] → 0..255; min–max stretching hides range errors.
    displayMinMax: false,
  },
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A fresh, editable copy of the defaults. */
export function defaultRunConfig(): RunConfig {
  return structuredClone(DEFAULT_RUN_CONFIG) as RunConfig;
}
