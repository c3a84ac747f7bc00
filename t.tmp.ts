import { modelCost } from './src/model/limits';
import { presetConfig, UNET_PRESET_NAMES } from './src/model/presets';
import { parseUNetConfig } from './src/model/config';
for (const n of UNET_PRESET_NAMES) console.log(n, modelCost(presetConfig(n), { batch: 128 }));
// DDPM 256 (celebahq): ch 128, mult 1,1,2,2,4,4, attention at 16
const c256 = parseUNetConfig({ sample_size: 256, block_out_channels: [128,128,256,256,512,512], layers_per_block: 2,
 down_block_types: ['DownBlock2D','DownBlock2D','DownBlock2D','DownBlock2D','AttnDownBlock2D','DownBlock2D'],
 up_block_types: ['UpBlock2D','AttnUpBlock2D','UpBlock2D','UpBlock2D','UpBlock2D','UpBlock2D'], attention_head_dim: null });
console.log('256', modelCost(c256, { batch: 1 }));
console.log('256 b8', modelCost(c256, { batch: 8 }));
