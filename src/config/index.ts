/**
 * The run config: one typed object (data, model, diffusion, training, sampling) with documented
 * defaults, presets, validation and the URL-hash form. Shared by the UI, the worker and the CLI.
 */
export {
  DATASET_IDS,
  DEFAULT_RUN_CONFIG,
  FILE_DATASETS,
  RUN_CONFIG_SECTIONS,
  defaultRunConfig,
  type DataConfig,
  type DatasetId,
  type DiffusionConfig,
  type InputNormalization,
  type ModelConfig,
  type RunConfig,
  type RunConfigOverrides,
  type RunConfigSection,
  type SamplingConfig,
  type TrainingConfig,
} from './runConfig';
export { RUN_PRESET_NAMES, isRunPresetName, runPreset, type RunPresetName } from './presets';
export {
  RunConfigError,
  applyOverrides,
  effectiveSchedulerConfig,
  parseRunConfig,
  unetConfigOf,
  validateRunConfig,
  type RunConfigIssue,
  type RunConfigValidation,
} from './validate';
export { decodeRunConfigHash, encodeRunConfigHash, presetRunConfig, type DecodedRunConfigHash } from './hash';
