import { readFileSync } from 'node:fs';
import { forwardMacs, samplingStepFlops, trainingStepFlops } from './flops';
import { UNET_PRESET_NAMES, presetConfig } from './presets';

/**
 * The `tiny` preset (16×16 RGB, channels [32, 64], one resnet per down level, attention at 8×8
 * and in the middle) written out layer by layer from docs/ddpm.md §2, per image.
 */
function tinyHandCount() {
  const at16 = 16 * 16;
  const at8 = 8 * 8;
  const conv3 = (pixels: number, cin: number, cout: number) => pixels * 9 * cin * cout;
  const conv1 = (pixels: number, cin: number, cout: number) => pixels * cin * cout;
  const temb = (cout: number) => 128 * cout; // time_emb_proj from the 4·32 = 128 embedding
  const attentionLinear = 4 * at8 * 64 * 64; // to_q, to_k, to_v, to_out.0 on 64 tokens
  const attentionProducts = 2 * at8 * at8 * 64; // q·kᵀ and softmax·v
  const convs: [string, number][] = [
    ['conv_in', conv3(at16, 3, 32)],
    ['down 0 resnet 0 conv1, conv2', 2 * conv3(at16, 32, 32)],
    ['down 0 downsampler (stride 2 → 8×8)', conv3(at8, 32, 32)],
    ['down 1 resnet 0 conv1, conv2', conv3(at8, 32, 64) + conv3(at8, 64, 64)],
    ['down 1 resnet 0 shortcut', conv1(at8, 32, 64)],
    ['mid resnets 0, 1', 4 * conv3(at8, 64, 64)],
    ['up 0 resnet 0 (64 + skip 64)', conv3(at8, 128, 64) + conv3(at8, 64, 64) + conv1(at8, 128, 64)],
    ['up 0 resnet 1 (64 + skip 32)', conv3(at8, 96, 64) + conv3(at8, 64, 64) + conv1(at8, 96, 64)],
    ['up 0 upsampler conv at 16×16', conv3(at16, 64, 64)],
    ['up 1 resnet 0 (64 + skip 32)', conv3(at16, 96, 32) + conv3(at16, 32, 32) + conv1(at16, 96, 32)],
    ['up 1 resnet 1 (32 + skip 32)', conv3(at16, 64, 32) + conv3(at16, 32, 32) + conv1(at16, 64, 32)],
    ['conv_out', conv3(at16, 32, 3)],
  ];
  const linears: [string, number][] = [
    ['time_embedding.linear_1, linear_2', 32 * 128 + 128 * 128],
    ["8 resnets' time_emb_proj (3 at 32 channels, 5 at 64)", 3 * temb(32) + 5 * temb(64)],
    ['4 attention blocks (down 1, mid, up 0 twice)', 4 * attentionLinear],
  ];
  const sum = (terms: [string, number][]) => terms.reduce((n, [, macs]) => n + macs, 0);
  return {
    conv: sum(convs),
    linear: sum(linears),
    attention: 4 * attentionProducts,
    dataInput: conv3(at16, 3, 32) + 32 * 128,
    // Layer outputs per pixel: a resnet keeps 2·in (norm1, SiLU) + 7·out (conv1, +temb, norm2,
    // SiLU, dropout, conv2, sum) + out for a shortcut; attention 7·C + 2·tokens (scores, softmax).
    activations:
      at16 * 32 + // conv_in
      at16 * (2 * 32 + 7 * 32) + // down 0 resnet 0
      at8 * 32 + // downsampler
      at8 * (2 * 32 + 8 * 64) + // down 1 resnet 0 (with shortcut)
      4 * at8 * (7 * 64 + 2 * at8) + // 4 attention blocks on 64 tokens
      2 * at8 * (2 * 64 + 7 * 64) + // mid resnets
      at8 * (128 + 2 * 128 + 8 * 64) + // up 0 resnet 0: concat 64 + 64, then the resnet
      at8 * (96 + 2 * 96 + 8 * 64) + // up 0 resnet 1: concat 64 + 32
      2 * at16 * 64 + // nearest upsampling and its conv
      at16 * (96 + 2 * 96 + 8 * 32) + // up 1 resnet 0
      at16 * (64 + 2 * 64 + 8 * 32) + // up 1 resnet 1
      at16 * (2 * 32 + 3), // norm_out, SiLU, conv_out
  };
}

describe('forwardMacs', () => {
  it('matches a hand count of the tiny preset, per image and linear in the batch', () => {
    const hand = tinyHandCount();
    const config = presetConfig('tiny');
    expect(forwardMacs(config, 1, 16, 16)).toEqual(hand);
    const three = forwardMacs(config, 3, 16, 16);
    expect(three.conv).toBe(3 * hand.conv);
    expect(three.attention).toBe(3 * hand.attention);
  });

  it('scales convolutions with the pixel count and attention products with its square', () => {
    const config = presetConfig('tiny');
    const small = forwardMacs(config, 1, 16, 16);
    const big = forwardMacs(config, 1, 32, 32);
    expect(big.conv).toBe(4 * small.conv);
    expect(big.attention).toBe(16 * small.attention);
  });

  it('agrees with the PyTorch profiler on the reference U-Net for every preset', () => {
    const golden = JSON.parse(
      readFileSync(new URL('../../scripts/reference/fixtures/flops_golden.json', import.meta.url), 'utf8'),
    ) as { batch: number; side: number; presets: Record<string, { forward_flops: number }> };
    expect(Object.keys(golden.presets).sort()).toEqual([...UNET_PRESET_NAMES].sort());
    for (const name of UNET_PRESET_NAMES) {
      const config = presetConfig(name);
      const side = config.sample_size as number;
      expect(samplingStepFlops(config, golden.batch, side, side), name).toBe(
        golden.presets[name].forward_flops,
      );
    }
  });

  it('rejects sizes the model cannot take, naming them', () => {
    const config = presetConfig('mnist');
    expect(() => forwardMacs(config, 0, 32, 32)).toThrow(/batch must be a positive integer, got 0/);
    expect(() => forwardMacs(config, 1, 30, 32)).toThrow(/30×32 must be divisible by 2\^\(levels−1\) = 4/);
  });
});

describe('trainingStepFlops', () => {
  it('is three forward passes less the input gradients of the layers that read data', () => {
    const hand = tinyHandCount();
    const forward = 2 * (hand.conv + hand.linear + hand.attention);
    const step = trainingStepFlops(presetConfig('tiny'), 1, 16, 16);
    expect(step.forward).toBe(forward);
    expect(step.backward).toBe(2 * forward - 2 * hand.dataInput);
    expect(step.total).toBe(step.forward + step.backward);
  });

  it('gives the paper model about 6 GFLOP per 32×32 image forward', () => {
    // Ho et al.'s CIFAR-10 U-Net is commonly quoted at ~6.1 G multiply-adds per image.
    const macs = samplingStepFlops(presetConfig('paper-cifar10'), 1, 32, 32) / 2;
    expect(macs).toBeGreaterThan(5.5e9);
    expect(macs).toBeLessThan(6.5e9);
  });
});
