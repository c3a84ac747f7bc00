/**
 * Analytic floating-point work of the U-Net, from its config alone, so a benchmark can turn a
 * measured step time into achieved GFLOP/s and a fraction of a GPU's peak.
 *
 * Only the matrix-product work is counted (convolutions, dense layers, the two attention
 * products), at 2 FLOPs per multiply-add, the convention behind published peak numbers and
 * "model FLOPs utilisation". GroupNorm, SiLU, softmax, adds, dropout and the optimiser are
 * elementwise: a few FLOPs per value, about 1–2 % of the total for these presets, and bound by
 * memory traffic rather than arithmetic, so counting them would only blur the ratio.
 */
import { sideMultiple, type UNetConfig } from './config';
import { planUNet, type AttentionPlan, type ResnetPlan } from './plan';

/** Multiply-adds of one forward pass, split by layer kind, and the part whose input needs no gradient. */
export interface ForwardMacs {
  conv: number;
  linear: number;
  /** q·kᵀ and softmax(·)·v. */
  attention: number;
  /**
   * Layers whose input is data, not a function of the parameters (conv_in reads x_t,
   * time_embedding.linear_1 reads the sinusoids): backprop needs their weight gradient only.
   */
  dataInput: number;
  /**
   * Float32 values of the layer outputs one forward pass produces (and training keeps for the
   * backward pass): every norm, activation, convolution, sum, concatenation and attention score
   * matrix, counted once. An estimate of activation memory, not an allocator trace: it is what
   * `limits.ts` bounds before a model is built.
   */
  activations: number;
}

/** FLOPs of one training step (forward, backward, no optimiser), for a batch of `batch` images. */
export interface StepFlops {
  forward: number;
  backward: number;
  total: number;
}

/** Multiply-adds of one forward pass of `batch` images of height × width (NHWC). */
export function forwardMacs(config: UNetConfig, batch: number, height: number, width: number): ForwardMacs {
  checkSize(config, batch, height, width);
  const plan = planUNet(config);
  const levels = config.block_out_channels.length;
  const pixels = (level: number) => (height / 2 ** level) * (width / 2 ** level);
  const macs: ForwardMacs = { conv: 0, linear: 0, attention: 0, dataInput: 0, activations: 0 };
  const keep = (values: number) => {
    macs.activations += batch * values;
  };
  const conv = (outPixels: number, inCh: number, outCh: number, k: number) => {
    const n = batch * outPixels * k * k * inCh * outCh;
    macs.conv += n;
    return n;
  };
  const linear = (rows: number, inCh: number, outCh: number) => {
    const n = rows * inCh * outCh;
    macs.linear += n;
    return n;
  };
  const resnet = (r: ResnetPlan, level: number) => {
    const p = pixels(level);
    // norm1, SiLU; conv1, + time embedding, norm2, SiLU, dropout, conv2, residual sum (+ shortcut).
    keep(p * (2 * r.inChannels + (r.inChannels !== r.outChannels ? 8 : 7) * r.outChannels));
    conv(p, r.inChannels, r.outChannels, 3);
    linear(batch, plan.timeEmbedChannels, r.outChannels);
    conv(p, r.outChannels, r.outChannels, 3);
    if (r.inChannels !== r.outChannels) conv(p, r.inChannels, r.outChannels, 1);
  };
  const attention = (a: AttentionPlan, level: number) => {
    const tokens = pixels(level);
    // norm, q, k, v, softmax(q·kᵀ)·v, to_out, residual sum; scores and their softmax per head.
    keep(tokens * (7 * a.channels + 2 * a.heads * tokens));
    linear(batch * tokens, a.channels, a.channels * 4); // to_q, to_k, to_v, to_out.0
    // Per head tokens² · d for each product; summed over heads that is tokens² · channels.
    macs.attention += 2 * batch * tokens * tokens * a.channels;
  };

  macs.dataInput += linear(batch, plan.timeChannels, plan.timeEmbedChannels);
  linear(batch, plan.timeEmbedChannels, plan.timeEmbedChannels);
  macs.dataInput += conv(pixels(0), config.in_channels, plan.timeChannels, 3);
  keep(pixels(0) * plan.timeChannels);
  plan.down.forEach((block, level) => {
    block.resnets.forEach((r, j) => {
      resnet(r, level);
      if (block.attentions[j]) attention(block.attentions[j], level);
    });
    if (block.resample) {
      keep(pixels(level + 1) * block.resample.channels);
      conv(pixels(level + 1), block.resample.channels, block.resample.channels, 3);
    }
  });
  const bottom = levels - 1;
  resnet(plan.mid.resnets[0], bottom);
  attention(plan.mid.attention, bottom);
  resnet(plan.mid.resnets[1], bottom);
  plan.up.forEach((block, i) => {
    const level = bottom - i;
    block.resnets.forEach((r, j) => {
      keep(pixels(level) * r.inChannels); // the skip concatenation
      resnet(r, level);
      if (block.attentions[j]) attention(block.attentions[j], level);
    });
    if (block.resample) {
      keep(2 * pixels(level - 1) * block.resample.channels); // nearest upsampling, then its conv
      conv(pixels(level - 1), block.resample.channels, block.resample.channels, 3);
    }
  });
  keep(pixels(0) * (2 * plan.timeChannels + config.out_channels)); // norm_out, SiLU, conv_out
  conv(pixels(0), plan.timeChannels, config.out_channels, 3);
  return macs;
}

/**
 * FLOPs of one training step. The backward pass of each product computes two products of the
 * forward's size (gradient of the input and of the weight; for attention, of both operands),
 * except that layers reading data need no input gradient: backward = 2·forward − dataInput.
 */
export function trainingStepFlops(
  config: UNetConfig,
  batch: number,
  height: number,
  width: number,
): StepFlops {
  const m = forwardMacs(config, batch, height, width);
  const forward = 2 * (m.conv + m.linear + m.attention);
  const backward = 2 * forward - 2 * m.dataInput;
  return { forward, backward, total: forward + backward };
}

/** FLOPs of one sampling step: one forward pass in eval mode. */
export function samplingStepFlops(config: UNetConfig, batch: number, height: number, width: number): number {
  const m = forwardMacs(config, batch, height, width);
  return 2 * (m.conv + m.linear + m.attention);
}

function checkSize(config: UNetConfig, batch: number, height: number, width: number): void {
  for (const [name, v] of [
    ['batch', batch],
    ['height', height],
    ['width', width],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  const m = sideMultiple(config);
  if (height % m !== 0 || width % m !== 0)
    throw new RangeError(`image sides ${height}×${width} must be divisible by 2^(levels−1) = ${m}`);
}
