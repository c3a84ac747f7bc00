/**
 * diffusers' `scheduler_config.json` in and out, so a schedule trained here loads into
 * `DDPMScheduler.from_pretrained` and a diffusers checkpoint's schedule loads here.
 */
import {
  DEFAULT_SCHEDULER_CONFIG,
  SCHEDULER_CONFIG_KEYS,
  SchedulerConfigError,
  checkKind,
  resolveSchedulerConfig,
  type SchedulerConfig,
  type SchedulerKind,
} from './config';
import { checkBetas, computeBetas } from './schedule';

/** A parsed `scheduler_config.json`: the scheduler kind, its full config, and the keys kept verbatim. */
export interface SchedulerConfigFile {
  kind: SchedulerKind;
  config: SchedulerConfig;
  /**
   * Keys diffusers writes that carry no setting here, kept so they are written back: metadata
   * (`_diffusers_version` and other `_`-prefixed keys) and inert features (see INERT_KEYS).
   */
  extras: Record<string, unknown>;
}

const CLASS_NAMES: Record<SchedulerKind, string> = { ddpm: 'DDPMScheduler', ddim: 'DDIMScheduler' };

/** The one key of ours each diffusers class lacks: DDIM has no variance_type, DDPM no set_alpha_to_one. */
const NOT_IN_CLASS: Record<SchedulerKind, keyof SchedulerConfig> = {
  ddpm: 'set_alpha_to_one',
  ddim: 'variance_type',
};

/**
 * diffusers keys for features this lab does not implement, accepted while they leave the schedule
 * unchanged. The two thresholding parameters do nothing unless `thresholding` is true (which is
 * rejected), so any number is inert for them.
 */
const INERT_KEYS: Record<string, { inert: (v: unknown) => boolean; allowed: string }> = {
  thresholding: {
    inert: (v) => v === false,
    allowed: 'allowed: false (dynamic thresholding is not implemented)',
  },
  dynamic_thresholding_ratio: {
    inert: isFiniteNumber,
    allowed: 'allowed: a number (unused without thresholding)',
  },
  sample_max_value: { inert: isFiniteNumber, allowed: 'allowed: a number (unused without thresholding)' },
  rescale_betas_zero_snr: {
    inert: (v) => v === false,
    allowed:
      'allowed: false (zero-terminal-SNR rescaling is not implemented; use squaredcos_cap_v2 for ᾱ_T ≈ 0)',
  },
  tensor_format: {
    inert: (v) => typeof v === 'string',
    allowed: 'allowed: a string (legacy diffusers key, unused)',
  },
  predict_epsilon: {
    inert: (v) => v === true,
    allowed: 'allowed: true; false is the legacy spelling of prediction_type "sample": write that instead',
  },
};

/**
 * Reads a `scheduler_config.json` (its text or the parsed object) written by diffusers for
 * `DDPMScheduler` or `DDIMScheduler`. Throws `SchedulerConfigError` naming the key for an unknown
 * class or key, a value this lab does not implement, or any invalid setting.
 */
export function parseSchedulerConfig(json: unknown): SchedulerConfigFile {
  let obj: unknown = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new SchedulerConfigError(
        'scheduler_config.json',
        json.slice(0, 40),
        `not valid JSON: ${(e as Error).message}`,
      );
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new SchedulerConfigError('scheduler_config.json', obj, 'expected a JSON object');
  }
  const { _class_name: className, ...rest } = obj as Record<string, unknown>;
  const kind = (Object.keys(CLASS_NAMES) as SchedulerKind[]).find((k) => CLASS_NAMES[k] === className);
  if (kind === undefined)
    throw new SchedulerConfigError('_class_name', className, 'allowed: "DDPMScheduler", "DDIMScheduler"');

  const partial: Record<string, unknown> = {};
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if ((SCHEDULER_CONFIG_KEYS as readonly string[]).includes(key)) partial[key] = value;
    // Defined, not assigned: assigning "__proto__" would set the prototype and hide the key from checkExtras.
    else Object.defineProperty(extras, key, { value, enumerable: true, writable: true, configurable: true });
  }
  checkExtras(extras);
  const config = resolveSchedulerConfig(partial as Partial<SchedulerConfig>);
  checkBetas(config, computeBetas(config));
  return { kind, config, extras };
}

/**
 * The `scheduler_config.json` object diffusers would write for this scheduler: `_class_name`,
 * every key of that class, any key of the other class that differs from its default (so nothing
 * is lost on the way back), and `extras` verbatim; keys sorted as diffusers sorts them.
 */
export function toSchedulerConfigJson(
  kind: SchedulerKind,
  config: Partial<SchedulerConfig>,
  extras: Record<string, unknown> = {},
): Record<string, unknown> {
  checkKind(kind);
  const full = resolveSchedulerConfig(config);
  for (const key of Object.keys(extras)) {
    if (key === '_class_name' || (SCHEDULER_CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new SchedulerConfigError(
        key,
        extras[key],
        'not allowed in extras; it is written from kind and config',
      );
    }
  }
  checkExtras(extras);
  const out: Record<string, unknown> = { _class_name: CLASS_NAMES[kind], ...extras };
  for (const key of SCHEDULER_CONFIG_KEYS) {
    const value = full[key];
    if (key === NOT_IN_CLASS[kind] && value === DEFAULT_SCHEDULER_CONFIG[key]) continue;
    out[key] = Array.isArray(value) ? [...value] : value;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function checkExtras(extras: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(extras)) {
    if (key.startsWith('_')) continue;
    // Own keys only: "constructor" would otherwise find Object.prototype's.
    const rule = Object.hasOwn(INERT_KEYS, key) ? INERT_KEYS[key] : undefined;
    if (rule === undefined) {
      throw new SchedulerConfigError(
        key,
        value,
        `unknown key; allowed: ${[...SCHEDULER_CONFIG_KEYS, ...Object.keys(INERT_KEYS)].join(', ')} and _-prefixed metadata`,
      );
    }
    if (!rule.inert(value)) throw new SchedulerConfigError(key, value, rule.allowed);
  }
}

function isFiniteNumber(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}
