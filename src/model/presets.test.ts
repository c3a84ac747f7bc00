import { countParameters, paramSpecs, planUNet } from './plan';
import { UNET_PRESET_NAMES, presetConfig } from './presets';

describe('presets', () => {
  it('paper-cifar10 has the 35,746,307 parameters of google/ddpm-cifar10-32', () => {
    expect(countParameters(presetConfig('paper-cifar10'))).toBe(35_746_307);
  });

  it('paper-cifar10 names its tensors as the checkpoint does', () => {
    const names = new Map(paramSpecs(planUNet(presetConfig('paper-cifar10'))).map((s) => [s.name, s.shape]));
    expect(names.get('down_blocks.1.attentions.1.to_q.weight')).toEqual([256, 256]);
    expect(names.get('up_blocks.2.attentions.2.to_out.0.bias')).toEqual([256]);
    expect(names.get('up_blocks.0.resnets.2.conv_shortcut.weight')).toEqual([256, 512, 1, 1]);
    expect(names.get('down_blocks.2.downsamplers.0.conv.weight')).toEqual([256, 256, 3, 3]);
    expect(names.has('down_blocks.3.downsamplers.0.conv.weight')).toBe(false);
    expect(names.get('time_embedding.linear_1.weight')).toEqual([512, 128]);
    expect(names.get('conv_out.weight')).toEqual([3, 128, 3, 3]);
  });

  it.each([
    ['tiny', 0.5e6, 1e6, 16, 3],
    ['mnist', 1e6, 2e6, 32, 1],
    ['cifar-small', 5e6, 8e6, 32, 3],
  ])('%s has the intended size', (name, min, max, side, channels) => {
    const c = presetConfig(name);
    const n = countParameters(c);
    expect(n).toBeGreaterThan(min);
    expect(n).toBeLessThan(max);
    expect(c.sample_size).toBe(side);
    expect(c.in_channels).toBe(channels);
  });

  it('returns independent copies', () => {
    const a = presetConfig('tiny');
    a.block_out_channels[0] = 1;
    expect(presetConfig('tiny').block_out_channels[0]).toBe(32);
  });

  it('lists every preset and rejects unknown names', () => {
    expect(UNET_PRESET_NAMES).toEqual(['tiny', 'mnist', 'cifar-small', 'paper-cifar10']);
    expect(() => presetConfig('huge')).toThrow(/unknown U-Net preset "huge"; presets: tiny, mnist/);
  });
});
