/**
 * The U-Net's configuration: diffusers' `UNet2DModel` config.json, key for key (snake_case), so a
 * checkpoint's config loads unchanged and what the lab writes loads back into diffusers.
 *
 * Only the architecture that DDPM uses is supported (see docs/ddpm.md §2). Every other key or value is
 * rejected with a {@link UNetConfigError} that names it, rather than silently built differently
 * from what the file describes.
 */

/** A down block: resnets, optionally each followed by self-attention. */
export type DownBlockType = 'DownBlock2D' | 'AttnDownBlock2D';
/** An up block: resnets over concatenated skips, optionally each followed by self-attention. */
export type UpBlockType = 'UpBlock2D' | 'AttnUpBlock2D';

/**
 * A diffusers `UNet2DModel` configuration with every default filled in. Keys that diffusers writes
 * but that admit a single value here (`center_input_sample`, `time_embedding_type`, …) are kept so
 * the config round-trips; their types spell out the one supported value.
 */
export interface UNetConfig {
  _class_name: 'UNet2DModel';
  /** The diffusers version that wrote the file; informative only. */
  _diffusers_version?: string;
  /** Training resolution (side, or [height, width]); forward accepts any side divisible by 2^(levels−1). */
  sample_size: number | [number, number] | null;
  in_channels: number;
  out_channels: number;
  center_input_sample: false;
  time_embedding_type: 'positional';
  /** Denominator shift of the sinusoid frequencies: exp(−ln(10000)·i/(half − freq_shift)). DDPM uses 1. */
  freq_shift: number;
  /** `[cos, sin]` instead of `[sin, cos]`. DDPM uses false. */
  flip_sin_to_cos: boolean;
  down_block_types: DownBlockType[];
  mid_block_type: 'UNetMidBlock2D';
  up_block_types: UpBlockType[];
  /** Channels per level; level i runs at 1/2^i of the input side. */
  block_out_channels: number[];
  layers_per_block: number;
  mid_block_scale_factor: 1;
  /** 0: pad right/bottom by one then a valid stride-2 conv (TF "SAME", the DDPM checkpoint); 1: pad 1 all round. */
  downsample_padding: 0 | 1;
  downsample_type: 'conv';
  upsample_type: 'conv';
  /** Dropout rate inside every resnet block (before conv2), active only when training. */
  dropout: number;
  act_fn: 'silu';
  /** Channels per attention head; null means one head over all channels (DDPM). */
  attention_head_dim: number | null;
  norm_num_groups: number;
  attn_norm_num_groups: null;
  norm_eps: number;
  resnet_time_scale_shift: 'default';
  add_attention: true;
  class_embed_type: null;
  num_class_embeds: null;
  /** Only used by diffusers' "learned" time embedding; kept for round trips, ignored here. */
  num_train_timesteps: number | null;
  /** Width of the time embedding; only block_out_channels[0]·4 (null) is supported. */
  time_embedding_dim: null;
  /**
   * Lab-only ablation (not a diffusers key): `"batch"` puts a BatchNorm with running statistics
   * right after conv_in, the mistake from docs/ddpm.md §4. A model with it set is not diffusers-compatible.
   */
  lab_norm_after_conv_in: 'batch' | null;
}

/** A config.json that asks for something this U-Net does not build, or is malformed. */
export class UNetConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UNetConfigError';
  }
}

type Json = Record<string, unknown>;

/** diffusers' own defaults (UNet2DModel.__init__), which apply to keys a config.json leaves out. */
const DIFFUSERS_DEFAULTS: Omit<UNetConfig, '_diffusers_version'> = {
  _class_name: 'UNet2DModel',
  sample_size: null,
  in_channels: 3,
  out_channels: 3,
  center_input_sample: false,
  time_embedding_type: 'positional',
  freq_shift: 0,
  flip_sin_to_cos: true,
  down_block_types: ['DownBlock2D', 'AttnDownBlock2D', 'AttnDownBlock2D', 'AttnDownBlock2D'],
  mid_block_type: 'UNetMidBlock2D',
  up_block_types: ['AttnUpBlock2D', 'AttnUpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'],
  block_out_channels: [224, 448, 672, 896],
  layers_per_block: 2,
  mid_block_scale_factor: 1,
  downsample_padding: 1,
  downsample_type: 'conv',
  upsample_type: 'conv',
  dropout: 0,
  act_fn: 'silu',
  attention_head_dim: 8,
  norm_num_groups: 32,
  attn_norm_num_groups: null,
  norm_eps: 1e-5,
  resnet_time_scale_shift: 'default',
  add_attention: true,
  class_embed_type: null,
  num_class_embeds: null,
  num_train_timesteps: null,
  time_embedding_dim: null,
  lab_norm_after_conv_in: null,
};

type Reader = (value: unknown, key: string) => unknown;

const fail = (key: string, value: unknown, allowed: string): never => {
  throw new UNetConfigError(`config key "${key}" = ${show(value)} is not supported: allowed ${allowed}`);
};

/** A value for a message; one nested too deep for JSON.stringify (a hostile file) must not overflow the stack. */
function show(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return Array.isArray(value)
      ? '(an array nested too deep to show)'
      : '(an object nested too deep to show)';
  }
}

const exactly =
  (...allowed: unknown[]): Reader =>
  (value, key) =>
    allowed.includes(value) ? value : fail(key, value, allowed.map((a) => JSON.stringify(a)).join(' or '));

const positiveInt: Reader = (value, key) =>
  Number.isInteger(value) && (value as number) > 0 ? value : fail(key, value, 'a positive integer');

/**
 * Bounds on the config's structure, checked while it is read, so that walking the plan (`plan.ts`)
 * is cheap whatever a file says; what the model costs is bounded after that by `limits.ts`.
 * Every real diffusers UNet2DModel is far inside them (DDPM's 256² models: 6 levels, 2 resnets).
 */
export const UNET_SHAPE_LIMITS = {
  /** `block_out_channels.length`. */
  maxLevels: 8,
  maxLayersPerBlock: 32,
  /** Any one channel count: a level's width, in/out channels, head width, norm groups. */
  maxChannels: 8192,
  /** Image side in pixels. */
  maxSide: 4096,
} as const;

const upTo =
  (max: number, name: keyof typeof UNET_SHAPE_LIMITS): Reader =>
  (value, key) => {
    positiveInt(value, key);
    return (value as number) <= max
      ? value
      : fail(key, value, `a positive integer up to ${max} (UNET_SHAPE_LIMITS.${name})`);
  };
const channels = upTo(UNET_SHAPE_LIMITS.maxChannels, 'maxChannels');
const side = upTo(UNET_SHAPE_LIMITS.maxSide, 'maxSide');

const nullOr =
  (inner: Reader): Reader =>
  (value, key) =>
    value === null ? null : inner(value, key);

const finite: Reader = (value, key) =>
  typeof value === 'number' && Number.isFinite(value) ? value : fail(key, value, 'a finite number');

const boolean: Reader = (value, key) =>
  typeof value === 'boolean' ? value : fail(key, value, 'true or false');

const listOf =
  (item: Reader, what: string): Reader =>
  (value, key) => {
    if (!Array.isArray(value) || value.length === 0) return fail(key, value, `a non-empty list of ${what}`);
    return value.map((v, i) => item(v, `${key}[${i}]`));
  };

const READERS: Record<keyof UNetConfig, Reader> = {
  _class_name: exactly('UNet2DModel'),
  _diffusers_version: (value, key) => (typeof value === 'string' ? value : fail(key, value, 'a string')),
  sample_size: (value, key) => {
    if (value === null || Number.isInteger(value)) return value === null ? null : side(value, key);
    if (Array.isArray(value) && value.length === 2) return value.map((v, i) => side(v, `${key}[${i}]`));
    return fail(key, value, 'null, a positive integer or [height, width]');
  },
  in_channels: channels,
  out_channels: channels,
  center_input_sample: exactly(false),
  time_embedding_type: exactly('positional'),
  freq_shift: finite,
  flip_sin_to_cos: boolean,
  down_block_types: listOf(exactly('DownBlock2D', 'AttnDownBlock2D'), 'block types'),
  mid_block_type: exactly('UNetMidBlock2D'),
  up_block_types: listOf(exactly('UpBlock2D', 'AttnUpBlock2D'), 'block types'),
  block_out_channels: (value, key) => {
    const levels = listOf(channels, 'positive integers')(value, key) as number[];
    return levels.length <= UNET_SHAPE_LIMITS.maxLevels
      ? levels
      : fail(
          key,
          `a list of ${levels.length}`,
          `at most ${UNET_SHAPE_LIMITS.maxLevels} levels (UNET_SHAPE_LIMITS.maxLevels)`,
        );
  },
  layers_per_block: upTo(UNET_SHAPE_LIMITS.maxLayersPerBlock, 'maxLayersPerBlock'),
  mid_block_scale_factor: exactly(1),
  downsample_padding: exactly(0, 1),
  downsample_type: exactly('conv'),
  upsample_type: exactly('conv'),
  dropout: (value, key) =>
    typeof value === 'number' && value >= 0 && value < 1 ? value : fail(key, value, 'a number in [0, 1)'),
  act_fn: exactly('silu'),
  attention_head_dim: nullOr(channels),
  norm_num_groups: channels,
  attn_norm_num_groups: exactly(null),
  norm_eps: (value, key) =>
    typeof value === 'number' && value > 0 && Number.isFinite(value)
      ? value
      : fail(key, value, 'a positive number'),
  resnet_time_scale_shift: exactly('default'),
  add_attention: exactly(true),
  class_embed_type: exactly(null),
  num_class_embeds: exactly(null),
  num_train_timesteps: nullOr(positiveInt),
  time_embedding_dim: exactly(null),
  lab_norm_after_conv_in: exactly('batch', null),
};

const SUPPORTED_KEYS = Object.keys(READERS) as (keyof UNetConfig)[];

/**
 * Validates a parsed config.json and fills diffusers' defaults for absent keys (note that those
 * differ from DDPM's: `attention_head_dim` 8, `downsample_padding` 1, `flip_sin_to_cos` true…).
 * Other `_`-prefixed keys than `_class_name` and `_diffusers_version` are diffusers' bookkeeping
 * and are dropped.
 * Throws {@link UNetConfigError} naming the first offending key and what is allowed.
 */
export function parseUNetConfig(json: unknown): UNetConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new UNetConfigError(
      `a UNet config must be a JSON object, got ${json === null ? 'null' : typeof json}`,
    );
  const src = json as Json;
  const out: Json = { ...DIFFUSERS_DEFAULTS };
  for (const [key, value] of Object.entries(src)) {
    // diffusers' own bookkeeping (`_name_or_path` of a model loaded from a folder and saved again,
    // `_use_default_values`…) says nothing about the architecture; it is not kept.
    if (/^_[A-Za-z]/.test(key) && !Object.hasOwn(READERS, key)) continue;
    // Own keys only: "constructor" or "__proto__" would otherwise find Object.prototype's members.
    if (!Object.hasOwn(READERS, key))
      throw new UNetConfigError(
        `config key "${key}" is not supported; supported keys: ${SUPPORTED_KEYS.join(', ')}`,
      );
    out[key] = READERS[key as keyof UNetConfig](value, key);
  }
  const config = out as unknown as UNetConfig;
  checkConsistency(config);
  return config;
}

function checkConsistency(c: UNetConfig): void {
  const levels = c.block_out_channels.length;
  if (c.down_block_types.length !== levels || c.up_block_types.length !== levels)
    throw new UNetConfigError(
      `block_out_channels (${levels} levels), down_block_types (${c.down_block_types.length}) and up_block_types (${c.up_block_types.length}) must have the same length`,
    );
  const half = Math.floor(c.block_out_channels[0] / 2);
  if (half - c.freq_shift === 0)
    throw new UNetConfigError(
      `freq_shift ${c.freq_shift} equals half of block_out_channels[0] (${half}): the frequencies would divide by zero`,
    );
  const factor = 2 ** (levels - 1);
  const sides =
    c.sample_size === null ? [] : typeof c.sample_size === 'number' ? [c.sample_size] : c.sample_size;
  for (const side of sides)
    if (side % factor !== 0)
      throw new UNetConfigError(
        `sample_size ${side} is not divisible by 2^(levels−1) = ${factor} for ${levels} levels`,
      );
}

/**
 * Keys left out of a written config when they hold their only supported value: newer diffusers
 * versions default to the same value, and older ones (the lab writes 0.21's layout) do not know them.
 */
const WRITE_ONLY_WHEN_SET = new Set<keyof UNetConfig>([
  '_diffusers_version',
  'mid_block_type',
  'time_embedding_dim',
  'lab_norm_after_conv_in',
]);

/**
 * The config as diffusers' config.json, every key written out: diffusers fills absent keys with
 * its own defaults, which are not DDPM's, so an omitted key would silently change the model.
 */
export function unetConfigToJson(config: UNetConfig): Json {
  const out: Json = {};
  for (const key of SUPPORTED_KEYS) {
    const value = config[key];
    if (
      WRITE_ONLY_WHEN_SET.has(key) &&
      (value === undefined ||
        value === null ||
        value === DIFFUSERS_DEFAULTS[key as keyof typeof DIFFUSERS_DEFAULTS])
    )
      continue;
    out[key] = Array.isArray(value) ? [...value] : value;
  }
  return out;
}

/** Both image sides must be multiples of this: each level but the last halves them. */
export function sideMultiple(config: UNetConfig): number {
  return 2 ** (config.block_out_channels.length - 1);
}

/** Whether the weights load into diffusers' UNet2DModel unchanged (false once a lab-only key is set). */
export function isDiffusersCompatible(config: UNetConfig): boolean {
  return config.lab_norm_after_conv_in === null;
}
