/**
 * Validation of a run config wherever one enters the lab (UI form, URL hash, imported run.json,
 * worker command, CLI). Every problem is reported at once, each with the dotted path of its field
 * and a message that names the value and what is allowed.
 */
import { SchedulerConfigError, resolveSchedulerConfig, type SchedulerConfig } from '../diffusion/config';
import { createScheduler } from '../diffusion/scheduler';
import { scaleLinearBetasToT } from '../diffusion/diagnostics';
import { parseUNetConfig, type UNetConfig } from '../model/config';
import { UNET_PRESET_NAMES, presetConfig } from '../model/presets';
import {
  DATASET_IDS,
  DEFAULT_RUN_CONFIG,
  INPUT_NORMALIZATIONS,
  RUN_CONFIG_SECTIONS,
  defaultRunConfig,
  type DiffusionConfig,
  type ModelConfig,
  type RunConfig,
  type RunConfigOverrides,
} from './runConfig';

/** One invalid field: `path` like "training.batchSize", `message` naming the value and what is allowed. */
export interface RunConfigIssue {
  path: string;
  message: string;
}

/** The result of {@link validateRunConfig}: a complete, checked config, or every problem found. */
export type RunConfigValidation = { config: RunConfig } | { errors: RunConfigIssue[] };

/** Thrown by {@link parseRunConfig}; `issues` lists every problem, the message all of them. */
export class RunConfigError extends Error {
  override readonly name = 'RunConfigError';
  constructor(readonly issues: RunConfigIssue[]) {
    super(`invalid run config: ${issues.map((i) => i.message).join('; ')}`);
  }
}

/** Keys of the model section that are not UNet2DModel config keys. */
const MODEL_EXTRA_KEYS = ['preset', 'init'] as const;

/**
 * Lays `overrides` over `base`, section by section. Setting `model.preset` to a U-Net preset
 * restarts the model section from that preset's config, so the other model keys given alongside
 * override the preset rather than whatever model came before. Does not validate (an unknown
 * model preset throws; {@link validateRunConfig} reports it).
 */
export function applyOverrides(base: RunConfig, overrides: RunConfigOverrides): RunConfig {
  const out = structuredClone(base);
  const preset = overrides.model?.preset;
  if (preset !== undefined && preset !== 'custom') {
    out.model = { ...presetConfig(preset), preset, init: base.model.init };
  }
  for (const section of RUN_CONFIG_SECTIONS) {
    const o = overrides[section];
    if (o !== undefined) Object.assign(out[section], structuredClone(o));
  }
  return out;
}

/**
 * Checks a run config (complete, or partial with the rest taken from the defaults) and returns
 * it complete, or every problem with its path. Unknown sections and keys are errors: a typo
 * would otherwise fall back to a default unnoticed.
 */
export function validateRunConfig(input: unknown): RunConfigValidation {
  if (!isObject(input))
    return { errors: [{ path: '', message: `a run config must be an object, got ${describe(input)}` }] };
  const errors: RunConfigIssue[] = [];
  const overrides: RunConfigOverrides = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(RUN_CONFIG_SECTIONS as readonly string[]).includes(key)) {
      errors.push({
        path: key,
        message: `${key} is not a run config section; sections: ${RUN_CONFIG_SECTIONS.join(', ')}`,
      });
    } else if (!isObject(value)) {
      errors.push({ path: key, message: `${key} must be an object of settings, got ${describe(value)}` });
    } else {
      (overrides as Record<string, unknown>)[key] = shallowSettings(key, value, errors);
    }
  }
  const preset = overrides.model?.preset;
  if (
    preset !== undefined &&
    preset !== 'custom' &&
    !(UNET_PRESET_NAMES as string[]).includes(preset as string)
  ) {
    errors.push({
      path: 'model.preset',
      message: `model.preset = ${describe(preset)} is not allowed; allowed: ${[...UNET_PRESET_NAMES, 'custom'].map((p) => JSON.stringify(p)).join(', ')}`,
    });
    delete overrides.model?.preset;
  }
  const config = applyOverrides(defaultRunConfig(), overrides);
  checkKnownKeys(config, errors);
  checkData(config, errors);
  checkModel(config.model, errors);
  checkDiffusion(config.diffusion, errors);
  checkTraining(config, errors);
  checkSampling(config, errors);
  return errors.length > 0 ? { errors } : { config };
}

/**
 * Settings are scalars or flat lists; one nested deeper than this is refused before the section is
 * copied, since a hostile run.json nested thousands deep would overflow structuredClone's stack.
 */
const MAX_SETTING_DEPTH = 4;

/** The section's settings without those nested past {@link MAX_SETTING_DEPTH}, each reported. */
function shallowSettings(
  section: string,
  settings: Record<string, unknown>,
  errors: RunConfigIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (nestsDeeperThan(value, MAX_SETTING_DEPTH))
      errors.push({
        path: `${section}.${key}`,
        message: `${section}.${key} nests deeper than ${MAX_SETTING_DEPTH} levels; settings are numbers, strings, booleans, null or flat lists`,
      });
    else Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Iterative, so that the check itself cannot overflow the stack. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** {@link validateRunConfig} that throws a {@link RunConfigError} listing every problem. */
export function parseRunConfig(input: unknown): RunConfig {
  const result = validateRunConfig(input);
  if ('errors' in result) throw new RunConfigError(result.errors);
  return result.config;
}

/** The UNet2DModel config of a run (the model section without `preset` and `init`). */
export function unetConfigOf(config: RunConfig): UNetConfig {
  const rest: Record<string, unknown> = { ...config.model };
  for (const key of MODEL_EXTRA_KEYS) delete rest[key];
  return parseUNetConfig(rest);
}

/**
 * The scheduler config a run trains with: the diffusion section without `scale_betas_to_T`, and
 * with linear betas scaled by 1000/T when it is on. This is what `scheduler_config.json` holds.
 */
export function effectiveSchedulerConfig(diffusion: DiffusionConfig): SchedulerConfig {
  const { scale_betas_to_T: scale, ...scheduler } = diffusion;
  const T = scheduler.num_train_timesteps;
  if (!scale || T === 1000) return resolveSchedulerConfig(scheduler);
  return resolveSchedulerConfig(scaleLinearBetasToT(scheduler, T));
}

function checkKnownKeys(config: RunConfig, errors: RunConfigIssue[]): void {
  for (const section of ['data', 'training', 'sampling'] as const) {
    const known = Object.keys(DEFAULT_RUN_CONFIG[section]);
    for (const key of Object.keys(config[section]))
      if (!known.includes(key))
        errors.push({
          path: `${section}.${key}`,
          message: `${section}.${key} is not a setting; ${section} settings: ${known.join(', ')}`,
        });
  }
}

function checkData(config: RunConfig, errors: RunConfigIssue[]): void {
  const { dataset, classFilter } = config.data;
  oneOf(errors, 'data.dataset', dataset, DATASET_IDS);
  if (classFilter !== null && (typeof classFilter !== 'string' || classFilter.trim() === ''))
    errors.push({
      path: 'data.classFilter',
      message: `data.classFilter = ${describe(classFilter)} is not allowed; allowed: null (all classes) or a class name or index`,
    });
}

function checkModel(model: ModelConfig, errors: RunConfigIssue[]): void {
  oneOf(errors, 'model.init', model.init, ['ddpm', 'pytorch']);
  const rest: Record<string, unknown> = { ...model };
  for (const key of MODEL_EXTRA_KEYS) delete rest[key];
  let unet: UNetConfig;
  try {
    unet = parseUNetConfig(rest);
  } catch (e) {
    const key = /config key "([^"]+)"/.exec((e as Error).message)?.[1];
    errors.push({ path: key ? `model.${key}` : 'model', message: `model: ${(e as Error).message}` });
    return;
  }
  if (typeof unet.sample_size !== 'number')
    errors.push({
      path: 'model.sample_size',
      message: `model.sample_size = ${describe(unet.sample_size)} is not allowed; training needs one square side, a positive integer`,
    });
}

function checkDiffusion(diffusion: DiffusionConfig, errors: RunConfigIssue[]): void {
  if (typeof diffusion.scale_betas_to_T !== 'boolean') {
    errors.push({
      path: 'diffusion.scale_betas_to_T',
      message: `diffusion.scale_betas_to_T = ${describe(diffusion.scale_betas_to_T)} is not allowed; allowed: true or false`,
    });
    return;
  }
  try {
    const { scale_betas_to_T: _scale, ...scheduler } = diffusion;
    resolveSchedulerConfig(scheduler);
    if (diffusion.scale_betas_to_T && diffusion.num_train_timesteps !== 1000) {
      try {
        scaleLinearBetasToT(scheduler, diffusion.num_train_timesteps);
      } catch (e) {
        const reason = e instanceof SchedulerConfigError ? e.message : String(e);
        errors.push({
          path: 'diffusion.scale_betas_to_T',
          message: `diffusion.scale_betas_to_T = true cannot apply: ${reason}`,
        });
        return;
      }
    }
    createScheduler('ddpm', effectiveSchedulerConfig(diffusion));
  } catch (e) {
    if (!(e instanceof SchedulerConfigError)) throw e;
    errors.push({
      path: `diffusion.${e.key}`,
      message: `diffusion.${e.message.replace(/^scheduler config: /, '')}`,
    });
  }
}

function checkTraining(config: RunConfig, errors: RunConfigIssue[]): void {
  const t = config.training;
  int(errors, 'training.batchSize', t.batchSize, 1, 4096);
  num(errors, 'training.lr', t.lr, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
  int(errors, 'training.warmupSteps', t.warmupSteps, 0, 10_000_000);
  if (t.gradClipNorm !== null)
    num(errors, 'training.gradClipNorm', t.gradClipNorm, (v) => v > 0, 'null (no clipping) or a number > 0');
  num(errors, 'training.emaDecay', t.emaDecay, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  bool(errors, 'training.useEma', t.useEma);
  bool(errors, 'training.sharedT', t.sharedT);
  bool(errors, 'training.doubleOptimizerStep', t.doubleOptimizerStep);
  oneOf(errors, 'training.normalization', t.normalization, INPUT_NORMALIZATIONS);
  bool(errors, 'training.flip', t.flip);
  int(errors, 'training.targetSteps', t.targetSteps, 1, 100_000_000);
  int(errors, 'training.seed', t.seed, 0, 2 ** 32 - 1);
  int(errors, 'training.logEveryMs', t.logEveryMs, 10, 60_000);
  int(errors, 'training.previewEverySteps', t.previewEverySteps, 0, 100_000_000);
  int(errors, 'training.previewImages', t.previewImages, 1, 64);
  int(errors, 'training.previewSteps', t.previewSteps, 1, config.diffusion.num_train_timesteps);
  int(errors, 'training.checkpointEverySec', t.checkpointEverySec, 0, 86_400);
}

function checkSampling(config: RunConfig, errors: RunConfigIssue[]): void {
  const s = config.sampling;
  oneOf(errors, 'sampling.sampler', s.sampler, ['ddpm', 'ddim']);
  int(
    errors,
    'sampling.steps',
    s.steps,
    1,
    config.diffusion.num_train_timesteps,
    ' (diffusion.num_train_timesteps)',
  );
  num(errors, 'sampling.eta', s.eta, (v) => v >= 0 && v <= 1, 'a number from 0 (deterministic DDIM) to 1');
  int(errors, 'sampling.numImages', s.numImages, 1, 64);
  int(errors, 'sampling.seed', s.seed, 0, 2 ** 32 - 1);
  bool(errors, 'sampling.useEma', s.useEma);
  bool(errors, 'sampling.clip', s.clip);
  bool(errors, 'sampling.brokenFinalStep', s.brokenFinalStep);
  bool(errors, 'sampling.displayMinMax', s.displayMinMax);
}

function int(
  errors: RunConfigIssue[],
  path: string,
  v: unknown,
  min: number,
  max: number,
  maxNote = '',
): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    errors.push({
      path,
      message: `${path} = ${describe(v)} is not allowed; allowed: an integer from ${min} to ${max}${maxNote}`,
    });
}

function num(
  errors: RunConfigIssue[],
  path: string,
  v: unknown,
  ok: (v: number) => boolean,
  allowed: string,
): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    errors.push({ path, message: `${path} = ${describe(v)} is not allowed; allowed: ${allowed}` });
}

function bool(errors: RunConfigIssue[], path: string, v: unknown): void {
  if (typeof v !== 'boolean')
    errors.push({ path, message: `${path} = ${describe(v)} is not allowed; allowed: true or false` });
}

function oneOf(errors: RunConfigIssue[], path: string, v: unknown, allowed: readonly string[]): void {
  if (typeof v !== 'string' || !allowed.includes(v))
    errors.push({
      path,
      message: `${path} = ${describe(v)} is not allowed; allowed: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
    });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  let s: string;
  try {
    s = JSON.stringify(v);
  } catch {
    // Nested too deep to serialise (a hostile file): say what it is instead of overflowing the stack.
    return Array.isArray(v) ? 'a deeply nested array' : 'a deeply nested object';
  }
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
