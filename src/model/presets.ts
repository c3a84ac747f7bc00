/**
 * Named U-Net configs. Presets are data, not code paths: each is a diffusers config.json that
 * goes through parseUNetConfig like any loaded file. All use DDPM's choices where the paper made
 * one: one attention head, GroupNorm eps 1e-6, downsample_padding 0 (TF "SAME"), [sin, cos] with
 * freq_shift 1, attention at 16×16 and in the middle.
 */
import { parseUNetConfig, type UNetConfig } from './config';

/** The names the UI and the CLI offer. */
export type UNetPresetName = 'tiny' | 'mnist' | 'cifar-small' | 'paper-cifar10';

const DDPM_STYLE = {
  _class_name: 'UNet2DModel',
  act_fn: 'silu',
  attention_head_dim: null,
  center_input_sample: false,
  downsample_padding: 0,
  flip_sin_to_cos: false,
  freq_shift: 1,
  mid_block_scale_factor: 1,
  norm_eps: 1e-6,
  time_embedding_type: 'positional',
} as const;

const PRESETS: Record<UNetPresetName, Record<string, unknown>> = {
  // 16×16 RGB, 0.70M parameters: the smallest net that still has every block kind (attention at
  // the 8×8 level and in the middle), for browser tests on a CPU-emulated GPU.
  tiny: {
    ...DDPM_STYLE,
    sample_size: 16,
    in_channels: 3,
    out_channels: 3,
    block_out_channels: [32, 64],
    layers_per_block: 1,
    down_block_types: ['DownBlock2D', 'AttnDownBlock2D'],
    up_block_types: ['AttnUpBlock2D', 'UpBlock2D'],
    norm_num_groups: 8,
    dropout: 0,
  },
  // MNIST digits padded 28 → 32, 1.62M parameters: 32 → 16 → 8 with attention at 16×16. Digits
  // become recognisable after a few thousand steps (docs/ddpm.md §4), so no dropout.
  mnist: {
    ...DDPM_STYLE,
    sample_size: 32,
    in_channels: 1,
    out_channels: 1,
    block_out_channels: [32, 64, 64],
    layers_per_block: 2,
    down_block_types: ['DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D'],
    up_block_types: ['UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'],
    norm_num_groups: 8,
    dropout: 0,
  },
  // CIFAR-10 on a laptop GPU, 6.47M parameters: the paper's layout at half width with three levels.
  'cifar-small': {
    ...DDPM_STYLE,
    sample_size: 32,
    in_channels: 3,
    out_channels: 3,
    block_out_channels: [64, 128, 128],
    layers_per_block: 2,
    down_block_types: ['DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D'],
    up_block_types: ['UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'],
    norm_num_groups: 32,
    dropout: 0.1,
  },
  // google/ddpm-cifar10-32 exactly (35,746,307 parameters). Its config.json has no dropout key
  // (diffusers reads 0, which only matters for training); the paper trained with 0.1, so the
  // preset, meant for training with the paper's recipe, says 0.1.
  'paper-cifar10': {
    ...DDPM_STYLE,
    sample_size: 32,
    in_channels: 3,
    out_channels: 3,
    block_out_channels: [128, 256, 256, 256],
    layers_per_block: 2,
    down_block_types: ['DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D', 'DownBlock2D'],
    up_block_types: ['UpBlock2D', 'UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'],
    norm_num_groups: 32,
    dropout: 0.1,
  },
};

/** All preset names, in order of size. */
export const UNET_PRESET_NAMES = Object.keys(PRESETS) as UNetPresetName[];

/** A fresh copy of a preset's config; throws naming the allowed presets for an unknown name. */
export function presetConfig(name: string): UNetConfig {
  // Own keys only: "constructor" would otherwise find Object.prototype's.
  if (!Object.hasOwn(PRESETS, name))
    throw new Error(`unknown U-Net preset "${name}"; presets: ${UNET_PRESET_NAMES.join(', ')}`);
  return parseUNetConfig(structuredClone(PRESETS[name as UNetPresetName]));
}
