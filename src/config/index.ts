/**
 * The run config: one typed object (data, model, diffusion, training, sampling) declared by one
 * schema (schema.ts), with documented defaults, presets, validation, the Configure form's fields
 * and the URL-hash form. Shared by the UI, the worker and the CLI.
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
export { SETTINGS, allowedText, allows } from './settings';
export { FORM, type FieldGroup, type FieldSpec } from './form';
export { decodeRunConfigHash, encodeRunConfigHash, presetRunConfig, type DecodedRunConfigHash } from './hash';
