import { initialValue, paramSeed } from './init';
import { parseUNetConfig } from './config';
import { paramSpecs, planUNet, type ParamSpec } from './plan';

const SPECS = new Map(
  paramSpecs(
    planUNet(
      parseUNetConfig({
        block_out_channels: [32, 64],
        down_block_types: ['DownBlock2D', 'AttnDownBlock2D'],
        up_block_types: ['AttnUpBlock2D', 'UpBlock2D'],
        layers_per_block: 1,
        norm_num_groups: 8,
      }),
    ),
  ).map((s) => [s.name, s]),
);
const spec = (name: string): ParamSpec => SPECS.get(name)!;

const stats = (v: Float32Array) => {
  let max = 0;
  let sq = 0;
  for (const x of v) {
    max = Math.max(max, Math.abs(x));
    sq += x * x;
  }
  return { max, std: Math.sqrt(sq / v.length) };
};

describe('initialisation', () => {
  it('ddpm: fan_avg uniform with scale 1 for ordinary weights', () => {
    // conv1 of a 32 → 64 resnet: fan_in 32·9, fan_out 64·9.
    const w = initialValue(spec('down_blocks.1.resnets.0.conv1.weight'), 'ddpm', 1);
    const limit = Math.sqrt(3 / ((32 * 9 + 64 * 9) / 2));
    const { max, std } = stats(w);
    expect(max).toBeLessThanOrEqual(limit);
    expect(max).toBeGreaterThan(0.99 * limit);
    expect(std).toBeCloseTo(limit / Math.sqrt(3), 3);
  });

  it('ddpm: conv2, the attention output and conv_out start at (almost) zero, as nn.py init_scale=0', () => {
    for (const name of ['down_blocks.0.resnets.0.conv2.weight', 'mid_block.attentions.0.to_out.0.weight', 'conv_out.weight']) {
      const { max } = stats(initialValue(spec(name), 'ddpm', 1));
      expect(max, name).toBeGreaterThan(0);
      expect(max, name).toBeLessThan(1e-5);
    }
  });

  it('ddpm: zero biases, unit norm scales', () => {
    expect(stats(initialValue(spec('conv_in.bias'), 'ddpm', 1)).max).toBe(0);
    expect(Array.from(initialValue(spec('conv_norm_out.weight'), 'ddpm', 1))).toEqual(new Array(32).fill(1));
    expect(stats(initialValue(spec('conv_norm_out.bias'), 'ddpm', 1)).max).toBe(0);
  });

  it('pytorch: U(±1/√fan_in) for weights and biases, conv2 included', () => {
    const fanIn = 64 * 9;
    for (const name of ['down_blocks.1.resnets.0.conv2.weight', 'down_blocks.1.resnets.0.conv2.bias']) {
      const { max } = stats(initialValue(spec(name), 'pytorch', 1));
      expect(max, name).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
      expect(max, name).toBeGreaterThan(0.9 / Math.sqrt(fanIn));
    }
    const linear = stats(initialValue(spec('time_embedding.linear_2.weight'), 'pytorch', 1));
    expect(linear.std).toBeCloseTo(1 / Math.sqrt(128) / Math.sqrt(3), 3);
  });

  it('is reproducible per seed and differs between seeds and parameters', () => {
    const s = spec('conv_in.weight');
    expect(initialValue(s, 'ddpm', 5)).toEqual(initialValue(s, 'ddpm', 5));
    expect(initialValue(s, 'ddpm', 5)).not.toEqual(initialValue(s, 'ddpm', 6));
    expect(paramSeed(1, 'to_q.weight')).not.toBe(paramSeed(1, 'to_k.weight'));
    expect(paramSeed(1, 'to_q.weight')).not.toBe(paramSeed(2, 'to_q.weight'));
  });
});
