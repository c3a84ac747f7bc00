/** U-Nets the worker and CLI tests share (kept out of *.test.ts so several can import them). */
import { parseUNetConfig } from '../model/config';

/** An 8×8 RGB U-Net of two levels with attention on the second: every block type, a few ms a call on the CPU. */
export const SMALL_UNET_CONFIG = parseUNetConfig({
  sample_size: 8,
  block_out_channels: [8, 16],
  down_block_types: ['DownBlock2D', 'AttnDownBlock2D'],
  up_block_types: ['AttnUpBlock2D', 'UpBlock2D'],
  layers_per_block: 1,
  norm_num_groups: 4,
  attention_head_dim: null,
  freq_shift: 1,
  flip_sin_to_cos: false,
});
