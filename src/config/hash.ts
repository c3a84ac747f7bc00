/**
 * The run config in the URL hash, so a copied link reproduces a setup. Only what differs from a
 * base is written, readably: `#preset=paper&training.batchSize=64&model.block_out_channels=32,64`.
 * The base is the defaults or the run preset that gives the shortest hash.
 */
import { UNET_PRESET_NAMES, presetConfig } from '../model/presets';
import { RUN_PRESET_NAMES, isRunPresetName, runPreset, type RunPresetName } from './presets';
import {
  RUN_CONFIG_SECTIONS,
  defaultRunConfig,
  type RunConfig,
  type RunConfigOverrides,
  type RunConfigSection,
} from './runConfig';
import { isNullableString } from './settings';
import { applyOverrides, validateRunConfig, type RunConfigIssue } from './validate';

/** What a hash decodes to: always a usable config, plus every field that could not be used. */
export interface DecodedRunConfigHash {
  config: RunConfig;
  /** The run preset the hash started from, if any. */
  preset: RunPresetName | null;
  errors: RunConfigIssue[];
}

/** The config of a preset applied to the defaults (or the defaults themselves for null). */
export function presetRunConfig(preset: RunPresetName | null): RunConfig {
  return preset === null ? defaultRunConfig() : applyOverrides(defaultRunConfig(), runPreset(preset));
}

/**
 * The hash (with its leading `#`, or '' when nothing differs from the defaults) of a config:
 * `preset=NAME` when a preset is the closer base, then `section.key=value` for each difference.
 */
export function encodeRunConfigHash(config: RunConfig): string {
  let best: string[] | null = null;
  for (const preset of [null, ...RUN_PRESET_NAMES]) {
    const parts = diff(config, presetRunConfig(preset));
    if (preset !== null) parts.unshift(`preset=${preset}`);
    if (best === null || parts.length < best.length) best = parts;
  }
  return best && best.length > 0 ? `#${best.join('&')}` : '';
}

/**
 * Reads a hash (with or without `#`). Never throws: unknown or invalid fields are left out of the
 * config and reported in `errors` with their path, so the page opens with everything else applied.
 */
export function decodeRunConfigHash(hash: string): DecodedRunConfigHash {
  const errors: RunConfigIssue[] = [];
  const entries: [string, string][] = [];
  let preset: RunPresetName | null = null;
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const path = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const raw = eq < 0 ? null : safeDecode(part.slice(eq + 1));
    if (path === null || raw === null) {
      errors.push({ path: path ?? part, message: `"${part}" in the URL is not a key=value pair` });
    } else if (path === 'preset') {
      if (isRunPresetName(raw)) preset = raw;
      else
        errors.push({
          path,
          message: `preset = "${raw}" is not a run preset; presets: ${RUN_PRESET_NAMES.join(', ')}`,
        });
    } else {
      entries.push([path, raw]);
    }
  }
  const base = presetRunConfig(preset);
  const overrides: RunConfigOverrides = {};
  const fromHash = new Set<string>();
  for (const [path, raw] of entries) {
    const dot = path.indexOf('.');
    const section = path.slice(0, dot) as RunConfigSection;
    const key = path.slice(dot + 1);
    if (dot < 0 || !RUN_CONFIG_SECTIONS.includes(section) || key === '') {
      errors.push({
        path,
        message: `${path} is not a run setting; settings are written section.key with sections ${RUN_CONFIG_SECTIONS.join(', ')}`,
      });
      continue;
    }
    const hint =
      section === 'model' && key !== 'preset'
        ? modelBase(base, entries)[key]
        : (base[section] as unknown as Record<string, unknown>)[key];
    ((overrides[section] ??= {}) as Record<string, unknown>)[key] = parseValue(
      raw,
      hint,
      isNullableString(path),
    );
    fromHash.add(path);
  }
  const modelPreset = overrides.model?.preset;
  if (
    modelPreset !== undefined &&
    modelPreset !== 'custom' &&
    !(UNET_PRESET_NAMES as string[]).includes(modelPreset)
  ) {
    errors.push({
      path: 'model.preset',
      message: `model.preset = "${modelPreset}" is not a U-Net preset; presets: ${UNET_PRESET_NAMES.join(', ')}, custom`,
    });
    delete overrides.model?.preset;
  }
  const first = validateRunConfig(applyOverrides(base, overrides));
  if ('config' in first) return { config: first.config, preset, errors };

  // Leave out each field that was reported (a section-wide problem drops the whole section), then
  // retry; a problem left after that comes from the combination, so fall back to the base.
  errors.push(...first.errors);
  for (const issue of first.errors) {
    const section = issue.path.split('.')[0] as RunConfigSection;
    const own = overrides[section] as Record<string, unknown> | undefined;
    if (!own) continue;
    const key = issue.path.slice(section.length + 1);
    if (fromHash.has(issue.path)) delete own[key];
    else delete overrides[section];
  }
  const second = validateRunConfig(applyOverrides(base, overrides));
  return { config: 'config' in second ? second.config : base, preset, errors };
}

/** The model section a hash's model keys apply to: the U-Net preset it names, else the base's. */
function modelBase(base: RunConfig, entries: [string, string][]): Record<string, unknown> {
  const named = entries.find(([p]) => p === 'model.preset')?.[1];
  if (named === undefined || named === 'custom') return base.model as unknown as Record<string, unknown>;
  try {
    return presetConfig(named) as unknown as Record<string, unknown>;
  } catch {
    return base.model as unknown as Record<string, unknown>;
  }
}

function diff(config: RunConfig, base: RunConfig): string[] {
  const parts: string[] = [];
  for (const section of RUN_CONFIG_SECTIONS) {
    let from = base[section] as unknown as Record<string, unknown>;
    const to = config[section] as unknown as Record<string, unknown>;
    if (section === 'model' && config.model.preset !== base.model.preset) {
      parts.push(`model.preset=${config.model.preset}`);
      if (config.model.preset !== 'custom')
        from = { ...presetConfig(config.model.preset), preset: config.model.preset, init: base.model.init };
    }
    for (const key of Object.keys(to)) {
      if (section === 'model' && key === 'preset') continue;
      const value = to[key];
      if (value === undefined || sameValue(value, from[key])) continue;
      parts.push(`${section}.${key}=${formatValue(value)}`);
    }
  }
  return parts;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Commas separate list items; everything else a hash cannot hold verbatim is percent-encoded. */
function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(formatValue).join(',');
  return encodeURIComponent(String(value)).replace(/%2C/gi, ',');
}

/**
 * A hash value back to a setting, typed by what the setting holds in the base: strings stay
 * strings (so class "3" stays "3"; "null" is null where the schema allows a null string), lists
 * split on commas, anything else reads as null, a boolean, a number, or failing those a string
 * for validation to reject with its path.
 */
function parseValue(raw: string, hint: unknown, nullableString: boolean): unknown {
  if (nullableString) return raw === 'null' ? null : raw;
  if (typeof hint === 'string') return raw;
  if (Array.isArray(hint)) return raw === '' ? [] : raw.split(',').map(scalar);
  if (raw.includes(',')) return raw.split(',').map(scalar);
  return scalar(raw);
}

function scalar(raw: string): unknown {
  if (raw === 'null') return null;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  return raw;
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
