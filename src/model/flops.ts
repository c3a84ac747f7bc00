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
import type { UNetConfig } from './config';
import { forwardWalk, productMacs } from './products';

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
  const walk = forwardWalk(config, batch, height, width);
  const macs: ForwardMacs = { conv: 0, linear: 0, attention: 0, dataInput: 0, activations: walk.activations };
  for (const p of walk.products) {
    const n = productMacs(p);
    macs[p.kind] += n;
    if (p.kind !== 'attention' && p.dataInput) macs.dataInput += n;
  }
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
