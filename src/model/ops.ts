/**
 * The few primitives the U-Net is built from, on NHWC activations with tfjs-layout weights.
 * Every op used here has a gradient on the CPU, WebGL and WebGPU backends (no einsum, no
 * ResizeNearestNeighbor, whose CPU gradient is wrong for batch > 1).
 */
import * as tf from '@tensorflow/tfjs';
import { dropoutMask, keyWords, type DrawKey } from '../random/draws';
import { filterGradient, type Padding } from './convGrad';
import { dropoutWebGpu } from './webgpu/dropout';
import { groupNormForkWebGpu } from './webgpu/groupNorm';
import { siluWebGpu } from './webgpu/silu';
import { convGemm, linearGemm, type RowBiasWindow } from './webgpu/gemmOps';

/**
 * The key of a training pass's dropout masks: Philox (src/random) keyed by the run seed, the
 * optimiser step and the dropout call, so every backend and a resumed run draw the same masks.
 */
export type DropoutKey = DrawKey;

/** A dropout key as the int32 tensor [seed low word, seed high word, step] the GPU kernel reads. */
export function dropoutKeyWords(key: DropoutKey): tf.Tensor1D {
  return tf.tensor1d(keyWords(key), 'int32');
}

/** What a block needs from the model during one forward pass. */
export interface ForwardContext {
  /** A parameter by its diffusers name, in tfjs layout (conv HWIO, linear [in, out]). */
  param(name: string): tf.Tensor;
  training: boolean;
  dropout: number;
  /** Where this pass's dropout masks come from, and the number of the next dropout call (0, 1, …). */
  dropoutKey: DropoutKey;
  nextDropoutCall(): number;
  /** The key as an int32 tensor [seed low, seed high, step] for the GPU kernel (made once per pass). */
  dropoutKeyTensor(): tf.Tensor1D;
  groups: number;
  eps: number;
  /** Replaces a non-trainable state tensor (BatchNorm running statistics) with a new value. */
  assignState(name: string, value: tf.Tensor): void;
  /** Use the lab's WebGPU kernels (src/model/webgpu); only ever true on the WebGPU backend. */
  fused: boolean;
  /**
   * Set (fused only) when the pass computed every resnet's time projection at once
   * (timeProjections.ts): resnet `prefix`'s window of them, for its conv1.
   */
  timeProjectionWindow?: (prefix: string) => RowBiasWindow;
}

/** SiLU (swish), x·σ(x): tfjs has no fused kernel for it; the fused path has its own. */
export function silu<T extends tf.Tensor>(ctx: Pick<ForwardContext, 'fused'>, x: T): T {
  if (ctx.fused) return siluWebGpu(x);
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * A dense layer `prefix.weight` [in, out] and `prefix.bias` over the last axis of a 2-D input,
 * plus `residual` (same shape as the output) when given.
 */
export function linear(
  ctx: ForwardContext,
  x: tf.Tensor2D,
  prefix: string,
  residual?: tf.Tensor2D,
): tf.Tensor2D {
  const w = ctx.param(`${prefix}.weight`) as tf.Tensor2D;
  const b = ctx.param(`${prefix}.bias`) as tf.Tensor1D;
  if (ctx.fused) return linearGemm(x, w, b, residual);
  const y = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  return residual ? tf.add(residual, y) : y;
}

/** What a conv reads besides its input and adds besides its bias. */
export interface ConvOptions {
  stride?: 1 | 2;
  /** Zero padding [top, bottom, left, right], applied after `upsample`. */
  pad: Padding;
  /** Read the input nearest-×2-upsampled (the up blocks' resample conv). */
  upsample?: boolean;
  /** Added to the output (the resnet's shortcut). */
  residual?: tf.Tensor4D;
  /** Added per sample and output channel, [batch, out] (the resnet's time embedding). */
  rowBias?: tf.Tensor2D;
  /** The same as a window of every resnet's projections (fused path only, see timeEmbeddingBias). */
  rowBiasWindow?: RowBiasWindow;
}

/**
 * A conv `prefix.weight` (HWIO) plus bias (plus the residual and per-sample bias of `opts`).
 * `pad` pads explicitly before a 'valid' convolution (as [top, bottom, left, right]) so stride-2
 * convs match PyTorch exactly: tfjs' 'same' puts the extra pixel of an even-sized stride-2 conv on
 * the other side. On the fused path all of it is one GEMM kernel (webgpu/gemm.ts).
 */
export function conv(ctx: ForwardContext, x: tf.Tensor4D, prefix: string, opts: ConvOptions): tf.Tensor4D {
  const w = ctx.param(`${prefix}.weight`) as tf.Tensor4D;
  const b = ctx.param(`${prefix}.bias`) as tf.Tensor1D;
  const stride = opts.stride ?? 1;
  if (ctx.fused) return convGemm(x, w, b, { ...opts, stride });
  if (opts.rowBiasWindow)
    throw new Error(`${prefix}: a window of grouped projections needs the fused kernels`);
  const input = opts.upsample ? upsampleNearest2x(x) : x;
  const [t, bo, l, r] = opts.pad;
  const padded =
    t || bo || l || r
      ? tf.pad(input, [
          [0, 0],
          [t, bo],
          [l, r],
          [0, 0],
        ])
      : input;
  let y = tf.add(convValid(stride)(padded, w), b) as tf.Tensor4D;
  if (opts.rowBias) y = tf.add(y, tf.reshape(opts.rowBias, [-1, 1, 1, w.shape[3]]));
  return opts.residual ? tf.add(opts.residual, y) : y;
}

const convByStride = new Map<number, (x: tf.Tensor, w: tf.Tensor) => tf.Tensor>();

/**
 * A 'valid' conv2d whose filter gradient is itself computed by the forward Conv2D kernel rather
 * than by tfjs' Conv2DBackpropFilter, which on the CPU backend is a scalar loop about 40× slower
 * than the forward conv and on WebGPU one untiled thread per filter element. The input gradient
 * stays the native transposed conv.
 */
function convValid(stride: number): (x: tf.Tensor, w: tf.Tensor) => tf.Tensor {
  let f = convByStride.get(stride);
  if (!f) {
    f = tf.customGrad((...args) => {
      const [x, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
      save([x, w]);
      return {
        value: tf.conv2d(x, w, stride, 'valid'),
        gradFunc: (dy, saved) => {
          const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
          const dy4 = dy as tf.Tensor4D;
          const dx = tf.conv2dTranspose(dy4, ws, xs.shape, stride, 'valid');
          return [dx, filterGradient(xs, dy4, ws.shape, stride)];
        },
      };
    });
    convByStride.set(stride, f);
  }
  return f;
}

/**
 * What a resnet's conv1 adds per sample: its time projection `prefix.time_emb_proj` of
 * silu(temb), or, where the pass projected for every resnet at once, its window of those.
 */
export function timeEmbeddingBias(
  ctx: ForwardContext,
  tembAct: tf.Tensor2D,
  prefix: string,
): Pick<ConvOptions, 'rowBias' | 'rowBiasWindow'> {
  if (ctx.timeProjectionWindow) return { rowBiasWindow: ctx.timeProjectionWindow(prefix) };
  return { rowBias: linear(ctx, tembAct, `${prefix}.time_emb_proj`) };
}

/** PyTorch's padding=1 for a 3×3 stride-1 conv. */
export const SAME_3X3: Padding = [1, 1, 1, 1];

/** silu(groupNorm(x)) (see {@link groupNormFork}): one kernel forward (and one backward) on the fused path. */
export function groupNormSilu(ctx: ForwardContext, x: tf.Tensor4D, prefix: string): tf.Tensor4D {
  return groupNormFork(ctx, x, prefix, true, 0)[0];
}

/**
 * [groupNorm(x) (then SiLU with `withSilu`), then `views` tensors equal to x] for x's other
 * readers (a shortcut, a residual, a skip). GroupNorm over NHWC: statistics per sample and per
 * group of C/groups channels, biased variance like PyTorch, then the affine `prefix.weight`,
 * `prefix.bias`. On the fused path the views share x's data, and x's gradient (the norm's plus
 * every view's) is one kernel, where tfjs' autodiff would add each reader's gradient in a
 * dispatch of its own. Every view must be read. With `concatWith`, x stands for x and
 * `concatWith` concatenated along the channels (one view only): on the fused path the norm's
 * kernels read and write both, with no concat or slice dispatch.
 */
export function groupNormFork(
  ctx: ForwardContext,
  x: tf.Tensor4D,
  prefix: string,
  withSilu: boolean,
  views: number,
  concatWith?: tf.Tensor4D,
): tf.Tensor4D[] {
  const gamma = ctx.param(`${prefix}.weight`) as tf.Tensor1D;
  const beta = ctx.param(`${prefix}.bias`) as tf.Tensor1D;
  const attrs = { groups: ctx.groups, eps: ctx.eps, silu: withSilu };
  if (ctx.fused) return groupNormForkWebGpu(x, gamma, beta, attrs, views, concatWith);
  if (concatWith)
    return groupNormFork(ctx, tf.concat([x, concatWith], 3) as tf.Tensor4D, prefix, withSilu, views);
  const [n, h, w, c] = x.shape;
  const g = ctx.groups;
  const grouped = tf.reshape(x, [n, h * w, g, c / g]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, ctx.eps)));
  const y = tf.add(tf.mul(tf.reshape(normed, [n, h, w, c]), gamma), beta) as tf.Tensor4D;
  return [withSilu ? silu(ctx, y) : y, ...Array.from({ length: views }, () => x)];
}

/** Dropout at the context's rate, only while training. */
export function dropout(ctx: ForwardContext, x: tf.Tensor4D): tf.Tensor4D {
  if (!ctx.training || ctx.dropout === 0) return x;
  const call = ctx.nextDropoutCall();
  if (ctx.fused) return dropoutWebGpu(x, ctx.dropout, call, ctx.dropoutKeyTensor());
  return tf.mul(
    x,
    tf.tensor4d(dropoutMask(ctx.dropoutKey, call, x.size, ctx.dropout), x.shape),
  ) as tf.Tensor4D;
}

/**
 * Nearest-neighbour ×2 upsampling as reshape + broadcast-add: each pixel is repeated along a new
 * axis of size 2, for W then H. Its gradient is a plain sum over the broadcast axis, correct on
 * every backend and every batch size. (The fused path reads the upsampling in the conv after it.)
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const twice = tf.zeros([1, 1, 2, 1]);
  const wide = tf.add(tf.reshape(x, [n * h, w, 1, c]), twice); // [nh, w, 2, c]
  const tall = tf.add(tf.reshape(wide, [n, h, 1, 2 * w * c]), twice); // [n, h, 2, 2wc]
  return tf.reshape(tall, [n, 2 * h, 2 * w, c]);
}
