import * as tf from '@tensorflow/tfjs';
import { decodeRunConfigHash } from '../config/hash';
import { presetRunConfig } from '../config/hash';
import { validateRunConfig } from '../config/validate';
import { RUN_PRESET_NAMES } from '../config';
import { UNetConfigError, parseUNetConfig } from './config';
import { MODEL_LIMITS, ModelLimitError, checkModelLimits, checkWeightsForConfig, modelCost } from './limits';
import { UNET_PRESET_NAMES, presetConfig } from './presets';
import { NonFiniteWeightsError, StateDictError, type StateDict } from './stateDict';
import { paramSpecs, planUNet } from './plan';
import { UNet } from './unet';

const tiny = () => presetConfig('tiny');
const json = (over: Record<string, unknown>) => ({
  sample_size: 32,
  block_out_channels: [32, 64],
  down_block_types: ['DownBlock2D', 'DownBlock2D'],
  up_block_types: ['UpBlock2D', 'UpBlock2D'],
  norm_num_groups: 8,
  ...over,
});

/** Zero weights of the right shapes for `config`, in PyTorch layout. */
function zeroWeights(config = tiny()): StateDict {
  return new Map(
    paramSpecs(planUNet(config)).map((s) => [
      s.name,
      { shape: s.shape, data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)) },
    ]),
  );
}

describe('model limits, from the config alone', () => {
  it('every preset and every run preset fits, the paper recipe at its batch of 128 too', () => {
    for (const name of UNET_PRESET_NAMES) expect(() => checkModelLimits(presetConfig(name))).not.toThrow();
    for (const name of RUN_PRESET_NAMES)
      expect(validateRunConfig(presetRunConfig(name))).toHaveProperty('config');
    const paper = modelCost(presetConfig('paper-cifar10'), { batch: 128 });
    expect(paper.parameters).toBe(35_746_307);
    expect(paper.activationBytes).toBeLessThan(MODEL_LIMITS.maxActivationBytes);
  });

  it('refuses layers_per_block 1,000,000 while reading the config, at once', () => {
    const t0 = performance.now();
    expect(() => parseUNetConfig(json({ layers_per_block: 1_000_000 }))).toThrow(
      /layers_per_block" = 1000000 is not supported: allowed a positive integer up to 32 \(UNET_SHAPE_LIMITS\.maxLayersPerBlock\)/,
    );
    expect(() => parseUNetConfig(json({ block_out_channels: Array(9).fill(32) }))).toThrow(
      /UNET_SHAPE_LIMITS\.maxLevels/,
    );
    expect(() => parseUNetConfig(json({ sample_size: 1 << 20 }))).toThrow(/UNET_SHAPE_LIMITS\.maxSide/);
    expect(() => parseUNetConfig(json({ in_channels: 1e6 }))).toThrow(/UNET_SHAPE_LIMITS\.maxChannels/);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it('refuses [4096, 4096] by its parameter count before a tensor is allocated', () => {
    const config = parseUNetConfig(json({ block_out_channels: [4096, 4096], norm_num_groups: 32 }));
    expect(() => checkModelLimits(config)).toThrow(
      /the model has [\d,]+ parameters, over the limit of 150,000,000 \(MODEL_LIMITS\.maxParameters\)/,
    );
    const before = tf.memory().numBytes;
    expect(() => new UNet(config)).toThrow(ModelLimitError);
    expect(tf.memory().numBytes).toBe(before);
  });

  it('refuses attention at a 1024² level by its activation memory, naming the limit', () => {
    const config = parseUNetConfig(
      json({
        sample_size: 1024,
        down_block_types: ['AttnDownBlock2D', 'DownBlock2D'],
        up_block_types: ['UpBlock2D', 'AttnUpBlock2D'],
      }),
    );
    expect(() => checkModelLimits(config)).toThrow(
      /over the limit of .* \(MODEL_LIMITS\.(maxActivationBytes|maxForwardFlops)\)/,
    );
    expect(() => new UNet(config)).toThrow(UNetConfigError);
  });

  it('refuses a batch whose activations pass the limit in a run config, the URL hash and the form', () => {
    const config = presetRunConfig('paper');
    config.training.batchSize = 4096;
    const result = validateRunConfig(config);
    expect('errors' in result && result.errors[0].message).toMatch(
      /model: a forward pass of 4096 image\(s\) of 32×32 needs about [\d.]+ GiB of activations, over the limit of 32\.0 GiB \(MODEL_LIMITS\.maxActivationBytes\)/,
    );
    const hash = decodeRunConfigHash('#preset=mnist&model.layers_per_block=1000000');
    expect(hash.errors.map((e) => e.message).join()).toMatch(/UNET_SHAPE_LIMITS\.maxLayersPerBlock/);
    const wide = decodeRunConfigHash(
      '#preset=mnist&model.block_out_channels=4096,4096&model.down_block_types=DownBlock2D,DownBlock2D&model.up_block_types=UpBlock2D,UpBlock2D&model.norm_num_groups=32',
    );
    expect(wide.errors.map((e) => e.message).join()).toMatch(/MODEL_LIMITS\.maxParameters/);
  });
});

describe('checkWeightsForConfig', () => {
  it('accepts matching finite weights', () => {
    expect(checkWeightsForConfig(tiny(), zeroWeights()).missing).toEqual([]);
  });

  it('refuses weights that do not fit the config, before a model is built', () => {
    const dict = zeroWeights();
    dict.delete('conv_in.weight');
    expect(() => checkWeightsForConfig(tiny(), dict)).toThrow(StateDictError);
    expect(() => checkWeightsForConfig(tiny(), dict)).toThrow(/1 missing: conv_in\.weight/);
  });

  it('refuses NaN and Infinity, naming the tensors', () => {
    const dict = zeroWeights();
    dict.get('conv_out.bias')!.data[1] = NaN;
    dict.get('conv_in.bias')!.data.fill(Infinity);
    expect(() => checkWeightsForConfig(tiny(), dict)).toThrow(NonFiniteWeightsError);
    expect(() => checkWeightsForConfig(tiny(), dict)).toThrow(
      /NaN or Infinity in 2 tensor\(s\): conv_in\.bias \(32\), conv_out\.bias \(1\)/,
    );
  });
});
