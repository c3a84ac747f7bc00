/**
 * The few primitives the U-Net is built from, on NHWC activations with tfjs-layout weights.
 * Every op used here has a gradient on the CPU, WebGL and WebGPU backends (no einsum, no
 * ResizeNearestNeighbor, whose CPU gradient is wrong for batch > 1).
 */
import * as tf from '@tensorflow/tfjs';

/** What a block needs from the model during one forward pass. */
export interface ForwardContext {
  /** A parameter by its diffusers name, in tfjs layout (conv HWIO, linear [in, out]). */
  param(name: string): tf.Tensor;
  training: boolean;
  dropout: number;
  /** A fresh seed for each dropout call of a seeded pass; undefined draws unseeded masks. */
  nextSeed(): number | undefined;
  groups: number;
  eps: number;
  /** Replaces a non-trainable state tensor (BatchNorm running statistics) with a new value. */
  assignState(name: string, value: tf.Tensor): void;
}

/** SiLU (swish), x·σ(x): tfjs has no fused kernel for it. */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** A dense layer `prefix.weight` [in, out] and `prefix.bias` over the last axis of a 2-D input. */
export function linear(ctx: ForwardContext, x: tf.Tensor2D, prefix: string): tf.Tensor2D {
  return tf.add(tf.matMul(x, ctx.param(`${prefix}.weight`) as tf.Tensor2D), ctx.param(`${prefix}.bias`));
}

/**
 * A conv `prefix.weight` (HWIO) plus bias. `pad` pads explicitly before a 'valid' convolution
 * (as [top, bottom, left, right]) so stride-2 convs match PyTorch exactly: tfjs' 'same' puts the
 * extra pixel of an even-sized stride-2 conv on the other side.
 */
export function conv(
  ctx: ForwardContext,
  x: tf.Tensor4D,
  prefix: string,
  opts: { stride?: 1 | 2; pad: [number, number, number, number] },
): tf.Tensor4D {
  const [t, b, l, r] = opts.pad;
  const padded = t || b || l || r ? tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]]) : x;
  const y = tf.conv2d(padded, ctx.param(`${prefix}.weight`) as tf.Tensor4D, opts.stride ?? 1, 'valid');
  return tf.add(y, ctx.param(`${prefix}.bias`));
}

/** PyTorch's padding=1 for a 3×3 stride-1 conv. */
export const SAME_3X3: [number, number, number, number] = [1, 1, 1, 1];

/** GroupNorm over NHWC: statistics per sample and per group of C/groups channels, biased variance like PyTorch. */
export function groupNorm(ctx: ForwardContext, x: tf.Tensor4D, prefix: string): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const g = ctx.groups;
  const grouped = tf.reshape(x, [n, h * w, g, c / g]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, ctx.eps)));
  const back = tf.reshape(normed, [n, h, w, c]);
  return tf.add(tf.mul(back, ctx.param(`${prefix}.weight`)), ctx.param(`${prefix}.bias`));
}

/** Dropout at the context's rate, only while training. */
export function dropout(ctx: ForwardContext, x: tf.Tensor4D): tf.Tensor4D {
  if (!ctx.training || ctx.dropout === 0) return x;
  return tf.dropout(x, ctx.dropout, undefined, ctx.nextSeed()) as tf.Tensor4D;
}

/**
 * Nearest-neighbour ×2 upsampling as reshape + broadcast-add: each pixel is repeated along a new
 * axis of size 2, for W then H. Its gradient is a plain sum over the broadcast axis, correct on
 * every backend and every batch size.
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const twice = tf.zeros([1, 1, 2, 1]);
  const wide = tf.add(tf.reshape(x, [n * h, w, 1, c]), twice); // [nh, w, 2, c]
  const tall = tf.add(tf.reshape(wide, [n, h, 1, 2 * w * c]), twice); // [n, h, 2, 2wc]
  return tf.reshape(tall, [n, 2 * h, 2 * w, c]);
}
