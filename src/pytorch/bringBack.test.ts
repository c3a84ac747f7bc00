/**
 * What the exported train.py writes comes back into the lab: a checkpoint folder as
 * `DDPMPipeline.save_pretrained` (diffusers 0.40) lays it out, with train.py's
 * training_state.safetensors beside it, imports as a model the lab samples with.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { unetConfigOf } from '../config/validate';
import { parseSchedulerConfig } from '../diffusion';
import { readModelBundle } from '../io/pipeline';
import { writeSafetensors } from '../io/safetensors';
import { parseUNetConfig } from '../model/config';
import { UNet } from '../model/unet';
import { decodeCheckpoint } from '../training/checkpoint';
import { labToTorch } from './torchState';

const { meta, state } = decodeCheckpoint(
  readFileSync(
    new URL('../../scripts/reference/fixtures/pytorch_export_lab_checkpoint.safetensors', import.meta.url),
  ),
);
const unet = unetConfigOf(meta.config);

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/**
 * unet/config.json as diffusers' ConfigMixin writes it: every UNet2DModel.__init__ argument
 * (0.40's list), `_class_name`, `_diffusers_version`, and `_name_or_path` when the model was
 * loaded from a folder before it was saved.
 */
function diffusersUnetConfig(): Record<string, unknown> {
  const keys = [
    'sample_size',
    'in_channels',
    'out_channels',
    'center_input_sample',
    'time_embedding_type',
    'time_embedding_dim',
    'freq_shift',
    'flip_sin_to_cos',
    'down_block_types',
    'mid_block_type',
    'up_block_types',
    'block_out_channels',
    'layers_per_block',
    'mid_block_scale_factor',
    'downsample_padding',
    'downsample_type',
    'upsample_type',
    'dropout',
    'act_fn',
    'attention_head_dim',
    'norm_num_groups',
    'attn_norm_num_groups',
    'norm_eps',
    'resnet_time_scale_shift',
    'add_attention',
    'class_embed_type',
    'num_class_embeds',
    'num_train_timesteps',
  ] as const;
  const out: Record<string, unknown> = {
    _class_name: 'UNet2DModel',
    _diffusers_version: '0.40.0',
    _name_or_path: 'output/checkpoints/step-00000003',
  };
  for (const key of keys) out[key] = unet[key];
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('bringing a PyTorch checkpoint back', () => {
  it('imports a checkpoint folder written by train.py (pipeline + training state) and samples with its EMA weights', async () => {
    const torch = labToTorch(unet, state);
    const scheduler = {
      _class_name: 'DDPMScheduler',
      _diffusers_version: '0.40.0',
      beta_end: 0.02,
      beta_schedule: 'linear',
      beta_start: 0.0001,
      clip_sample: true,
      clip_sample_range: 1.0,
      dynamic_thresholding_ratio: 0.995,
      num_train_timesteps: 1000,
      prediction_type: 'epsilon',
      rescale_betas_zero_snr: false,
      sample_max_value: 1.0,
      steps_offset: 0,
      thresholding: false,
      timestep_spacing: 'leading',
      trained_betas: null,
      variance_type: 'fixed_large',
    };
    const folder = 'step-00000003';
    const files = new Map<string, Uint8Array>([
      [
        `${folder}/model_index.json`,
        json({
          _class_name: 'DDPMPipeline',
          _diffusers_version: '0.40.0',
          scheduler: ['diffusers', 'DDPMScheduler'],
          unet: ['diffusers', 'UNet2DModel'],
        }),
      ],
      [`${folder}/unet/config.json`, json(diffusersUnetConfig())],
      [`${folder}/unet/diffusion_pytorch_model.safetensors`, writeSafetensors(torch.ema!, { format: 'pt' })],
      [`${folder}/scheduler/scheduler_config.json`, json(scheduler)],
      [`${folder}/training_state.safetensors`, new Uint8Array(8)],
    ]);
    const bundle = readModelBundle(files);
    expect(bundle.warnings).toEqual([]);
    expect(parseUNetConfig(bundle.unetConfig)).toEqual({ ...unet, _diffusers_version: '0.40.0' });
    expect(parseSchedulerConfig(bundle.schedulerConfig).config.variance_type).toBe('fixed_large');

    await tf.setBackend('cpu');
    const model = new UNet(parseUNetConfig(bundle.unetConfig), { seed: 1 });
    try {
      model.loadStateDict(bundle.tensors);
      const sd = await model.getStateDict();
      for (const [name, t] of torch.ema!) expect(sd.get(name)!.data, name).toEqual(t.data);
    } finally {
      model.dispose();
    }
  });
});
