import { UNetConfigError, isDiffusersCompatible, parseUNetConfig, unetConfigToJson } from './config';
import { planUNet } from './plan';

/** google/ddpm-cifar10-32's unet/config.json as published (diffusers 0.0.4). */
const HUB_CIFAR10 = {
  _class_name: 'UNet2DModel',
  _diffusers_version: '0.0.4',
  act_fn: 'silu',
  attention_head_dim: null,
  block_out_channels: [128, 256, 256, 256],
  center_input_sample: false,
  down_block_types: ['DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D', 'DownBlock2D'],
  downsample_padding: 0,
  flip_sin_to_cos: false,
  freq_shift: 1,
  in_channels: 3,
  layers_per_block: 2,
  mid_block_scale_factor: 1,
  norm_eps: 1e-6,
  norm_num_groups: 32,
  out_channels: 3,
  sample_size: 32,
  time_embedding_type: 'positional',
  up_block_types: ['UpBlock2D', 'UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'],
};

/** The same model as saved by diffusers 0.24, which writes every __init__ argument. */
const SAVED_BY_0_24 = {
  ...HUB_CIFAR10,
  _diffusers_version: '0.24.0',
  add_attention: true,
  attn_norm_num_groups: null,
  class_embed_type: null,
  downsample_type: 'conv',
  dropout: 0.0,
  num_class_embeds: null,
  num_train_timesteps: null,
  resnet_time_scale_shift: 'default',
  upsample_type: 'conv',
};

const expectConfigError = (json: unknown, ...fragments: string[]) => {
  let error: unknown;
  try {
    planUNet(parseUNetConfig(json));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(UNetConfigError);
  for (const f of fragments) expect((error as Error).message).toContain(f);
};

describe('parseUNetConfig', () => {
  it('reads the released DDPM checkpoint config unchanged', () => {
    const c = parseUNetConfig(HUB_CIFAR10);
    expect(c).toMatchObject(HUB_CIFAR10);
    expect(c.dropout).toBe(0);
    expect(c.lab_norm_after_conv_in).toBeNull();
    expect(isDiffusersCompatible(c)).toBe(true);
  });

  it('reads a config written by a newer diffusers with every key', () => {
    expect(parseUNetConfig(SAVED_BY_0_24)).toEqual({
      ...parseUNetConfig(HUB_CIFAR10),
      _diffusers_version: '0.24.0',
    });
  });

  it("drops diffusers' bookkeeping keys such as _name_or_path (a model loaded from a folder, saved again)", () => {
    const saved = {
      ...HUB_CIFAR10,
      _name_or_path: 'output/checkpoints/step-00001000',
      _use_default_values: [],
    };
    expect(parseUNetConfig(saved)).toEqual(parseUNetConfig(HUB_CIFAR10));
  });

  it("fills diffusers' defaults, not DDPM's, for absent keys", () => {
    const c = parseUNetConfig({});
    expect(c.attention_head_dim).toBe(8);
    expect(c.downsample_padding).toBe(1);
    expect(c.flip_sin_to_cos).toBe(true);
    expect(c.freq_shift).toBe(0);
    expect(c.norm_eps).toBe(1e-5);
    expect(c.block_out_channels).toEqual([224, 448, 672, 896]);
    expect(c.up_block_types).toEqual(['AttnUpBlock2D', 'AttnUpBlock2D', 'AttnUpBlock2D', 'UpBlock2D']);
  });

  it('rejects an unknown key, naming it and the supported keys', () => {
    expectConfigError(
      { ...HUB_CIFAR10, cross_attention_dim: 512 },
      '"cross_attention_dim"',
      'supported keys',
      'block_out_channels',
    );
  });

  it.each([
    ['act_fn', 'gelu', '"silu"'],
    [
      'down_block_types',
      ['DownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D', 'DownBlock2D'],
      'down_block_types[1]',
    ],
    ['up_block_types', ['UpBlock2D', 'UpBlock2D', 'AttnSkipUpBlock2D', 'UpBlock2D'], 'up_block_types[2]'],
    ['downsample_padding', 2, '0 or 1'],
    ['time_embedding_type', 'fourier', '"positional"'],
    ['center_input_sample', true, 'false'],
    ['resnet_time_scale_shift', 'scale_shift', '"default"'],
    ['add_attention', false, 'true'],
    ['class_embed_type', 'timestep', 'null'],
    ['num_class_embeds', 10, 'null'],
    ['mid_block_scale_factor', 1.414, '1'],
    ['dropout', 1, '[0, 1)'],
    ['norm_eps', 0, 'positive'],
    ['layers_per_block', 0, 'positive integer'],
    ['block_out_channels', [], 'non-empty list'],
    ['attention_head_dim', 2.5, 'positive integer'],
    ['lab_norm_after_conv_in', 'layer', '"batch" or null'],
    ['sample_size', '32', '[height, width]'],
  ])('rejects %s = %j, saying what is allowed', (key, value, allowed) => {
    expectConfigError({ ...HUB_CIFAR10, [key]: value }, `"${key}`, allowed);
  });

  it('rejects a non-object', () => {
    expect(() => parseUNetConfig([1, 2])).toThrow(UNetConfigError);
    expect(() => parseUNetConfig(null)).toThrow(/JSON object, got null/);
  });

  it('rejects block lists of different lengths', () => {
    expectConfigError({ ...HUB_CIFAR10, block_out_channels: [128, 256, 256] }, 'same length', '3 levels');
  });

  it('rejects a sample_size not divisible by 2^(levels−1)', () => {
    expectConfigError({ ...HUB_CIFAR10, sample_size: 28 }, 'sample_size 28', 'divisible', '8');
    expectConfigError({ ...HUB_CIFAR10, sample_size: [32, 36] }, 'sample_size 36');
  });

  it('rejects group counts that do not divide a norm, naming the module', () => {
    expectConfigError(
      { ...HUB_CIFAR10, norm_num_groups: 24 },
      'norm_num_groups 24',
      'down_blocks.0.resnets.0.norm1',
    );
    // 16 + 8 channels meet in the last up block's concatenation.
    expectConfigError(
      {
        ...HUB_CIFAR10,
        block_out_channels: [8, 16],
        down_block_types: ['DownBlock2D', 'DownBlock2D'],
        up_block_types: ['UpBlock2D', 'UpBlock2D'],
        norm_num_groups: 16,
      },
      'norm_num_groups 16',
    );
  });

  it('rejects an attention_head_dim that does not divide the channels', () => {
    expectConfigError(
      { ...HUB_CIFAR10, attention_head_dim: 48 },
      'attention_head_dim 48',
      '256 channels',
      'down_blocks.1.attentions.0',
    );
  });

  it('marks the BatchNorm ablation as not diffusers-compatible', () => {
    expect(isDiffusersCompatible(parseUNetConfig({ ...HUB_CIFAR10, lab_norm_after_conv_in: 'batch' }))).toBe(
      false,
    );
  });
});

describe('unetConfigToJson', () => {
  it('writes every diffusers key, so diffusers defaults cannot creep in, and round-trips', () => {
    const c = parseUNetConfig(HUB_CIFAR10);
    const json = unetConfigToJson(c);
    expect(json).toHaveProperty('attention_head_dim', null);
    expect(json).toHaveProperty('downsample_padding', 0);
    expect(json).toHaveProperty('flip_sin_to_cos', false);
    expect(json).not.toHaveProperty('lab_norm_after_conv_in');
    expect(json).not.toHaveProperty('mid_block_type');
    expect(json).toHaveProperty('_diffusers_version', '0.0.4');
    expect(parseUNetConfig(JSON.parse(JSON.stringify(json)))).toEqual(c);
  });

  it('keeps the lab-only key when set', () => {
    const c = parseUNetConfig({ ...HUB_CIFAR10, lab_norm_after_conv_in: 'batch' });
    expect(unetConfigToJson(c)).toHaveProperty('lab_norm_after_conv_in', 'batch');
  });
});
