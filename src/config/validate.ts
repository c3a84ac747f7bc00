/**
 * Validation of a run config wherever one enters the lab (UI form, URL hash, imported run.json,
 * worker command, CLI). Every problem is reported at once, each with the dotted path of its field
 * and a message that names the value and what is allowed. The settings' rules and the words for
 * what they allow come from the schema (schema.ts); diffusers' own U-Net and scheduler keys are
 * checked by their parsers.
 */
import * as v from 'valibot';
import { SchedulerConfigError, resolveSchedulerConfig, type SchedulerConfig } from '../diffusion/config';
import { createScheduler } from '../diffusion/scheduler';
import { scaleLinearBetasToT } from '../diffusion/diagnostics';
import { parseUNetConfig, type UNetConfig } from '../model/config';
import { checkModelLimits } from '../model/limits';
import { presetConfig } from '../model/presets';
import {
  RUN_CONFIG_SECTIONS,
  defaultRunConfig,
  type DiffusionConfig,
  type ModelConfig,
  type RunConfig,
  type RunConfigOverrides,
  type RunConfigSection,
} from './runConfig';
import { SECTION_SCHEMAS } from './schema';
import { SETTINGS, allowedText, allows } from './settings';

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
  // Checked before the overrides apply, since applying an unknown U-Net preset throws.
  const preset = overrides.model?.preset;
  if (preset !== undefined && !allows('model.preset', preset)) {
    errors.push(notAllowed('model.preset', preset));
    delete overrides.model?.preset;
  }
  const config = applyOverrides(defaultRunConfig(), overrides);
  const failed = new Set<string>();
  for (const section of RUN_CONFIG_SECTIONS) checkSection(config, section, errors, failed);
  checkMaxima(config, errors, failed);
  if (![...failed].some((p) => p.startsWith('model.'))) checkModel(config.model, errors);
  if (![...failed].some((p) => p.startsWith('diffusion.'))) checkDiffusion(config.diffusion, errors);
  checkModelCost(config, errors);
  return errors.length > 0 ? { errors } : { config };
}

/** The model's size, FLOPs and activations at the training batch (`MODEL_LIMITS`), once all else is valid. */
function checkModelCost(config: RunConfig, errors: RunConfigIssue[]): void {
  if (errors.length > 0) return;
  try {
    checkModelLimits(unetConfigOf(config), { batch: config.training.batchSize });
  } catch (e) {
    errors.push({ path: 'model', message: `model: ${(e as Error).message}` });
  }
}

/** `path = value is not allowed; allowed: …`, the words from the schema. */
function notAllowed(path: string, value: unknown, max?: number): RunConfigIssue {
  return { path, message: `${path} = ${describe(value)} is not allowed; allowed: ${allowedText(path, max)}` };
}

/** One issue per setting the section's schema refuses, unknown keys of closed sections included. */
function checkSection(
  config: RunConfig,
  section: RunConfigSection,
  errors: RunConfigIssue[],
  failed: Set<string>,
): void {
  const schema: v.GenericSchema & { entries: object } = SECTION_SCHEMAS[section];
  const values = config[section] as unknown as Record<string, unknown>;
  const result = v.safeParse(schema, values, { abortPipeEarly: true });
  if (result.success) return;
  for (const issue of result.issues) {
    const key = String(issue.path?.[0]?.key);
    const path = `${section}.${key}`;
    if (failed.has(path)) continue;
    failed.add(path);
    if (issue.type === 'strict_object' && issue.expected === 'never')
      errors.push({
        path,
        message: `${path} is not a setting; ${section} settings: ${Object.keys(schema.entries).join(', ')}`,
      });
    else errors.push(notAllowed(path, values[key]));
  }
}

/** Settings whose maximum is another setting's value (`maxFrom`), once both are valid. */
function checkMaxima(config: RunConfig, errors: RunConfigIssue[], failed: Set<string>): void {
  for (const { path, meta } of SETTINGS) {
    if (meta.maxFrom === undefined || failed.has(path) || failed.has(meta.maxFrom)) continue;
    const value = valueAt(config, path) as number;
    const max = valueAt(config, meta.maxFrom) as number;
    if (value > max) {
      errors.push(notAllowed(path, value, max));
      failed.add(path);
    }
  }
}

function valueAt(config: RunConfig, path: string): unknown {
  const [section, key] = path.split('.') as [RunConfigSection, string];
  return (config[section] as unknown as Record<string, unknown>)[key];
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

/** The UNet2DModel keys, by diffusers' parser (the schema checked `preset`, `init` and the form's keys). */
function checkModel(model: ModelConfig, errors: RunConfigIssue[]): void {
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

/** The scheduler keys, by diffusers' parser, and whether the betas scaled to T still make a schedule. */
function checkDiffusion(diffusion: DiffusionConfig, errors: RunConfigIssue[]): void {
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
