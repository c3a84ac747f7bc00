/** Small U-Nets the model, worker and CLI tests share (kept out of *.test.ts so several can import them). */
import { parseUNetConfig } from './config';

/**
 * Two levels of 8 and 16 channels with attention on the second: every block type at a few ms a
 * call on the CPU. Raw `config.json` keys, so a test can vary one of them before parsing.
 */
export const SMALL_UNET_JSON = {
  block_out_channels: [8, 16],
  down_block_types: ['DownBlock2D', 'AttnDownBlock2D'],
  up_block_types: ['AttnUpBlock2D', 'UpBlock2D'],
  layers_per_block: 1,
  norm_num_groups: 4,
  attention_head_dim: null,
};

/** {@link SMALL_UNET_JSON} for 8×8 RGB with DDPM's time embedding (freq_shift 1, sin before cos). */
export const SMALL_UNET_CONFIG = parseUNetConfig({
  ...SMALL_UNET_JSON,
  sample_size: 8,
  freq_shift: 1,
  flip_sin_to_cos: false,
});
