/** diffusers' spatial self-attention block (`Attention` as built by AttnDownBlock2D, AttnUpBlock2D and the mid block). */
import * as tf from '@tensorflow/tfjs';
import { groupNormFork, linear, type ForwardContext } from './ops';
import type { AttentionPlan } from './plan';
import { attentionCoreWebGpu } from './webgpu/attention';

/**
 * GroupNorm, then multi-head softmax(q·kᵀ/√d)·v over the H·W tokens (d = channels per head),
 * the output projection `to_out.0`, plus the block's input (residual).
 */
export function attentionBlock(ctx: ForwardContext, x: tf.Tensor4D, a: AttentionPlan): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const tokens = h * w;
  const d = c / a.heads;
  // The residual reads x through the norm's fork: x's two gradients are summed by its kernel.
  const [normed, residual] = groupNormFork(ctx, x, `${a.prefix}.group_norm`, false, 1);
  const flat = tf.reshape(normed, [n * tokens, c]) as tf.Tensor2D;
  // [n·tokens, c] → [n·heads, tokens, d], diffusers' head_to_batch_dim; with one head a reshape
  // (a transpose of a size-1 axis moves no data but is still a dispatch, and one backward).
  const split = (t: tf.Tensor2D) =>
    (a.heads === 1
      ? tf.reshape(t, [n, tokens, d])
      : tf.reshape(tf.transpose(tf.reshape(t, [n, tokens, a.heads, d]), [0, 2, 1, 3]), [
          n * a.heads,
          tokens,
          d,
        ])) as tf.Tensor3D;
  const q = split(linear(ctx, flat, `${a.prefix}.to_q`));
  const k = split(linear(ctx, flat, `${a.prefix}.to_k`));
  const v = split(linear(ctx, flat, `${a.prefix}.to_v`));
  const scale = 1 / Math.sqrt(d);
  const mixed = ctx.fused
    ? attentionCoreWebGpu(q, k, v, scale)
    : tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)), v); // [n·heads, tokens, d]
  const merged = (
    a.heads === 1
      ? tf.reshape(mixed, [n * tokens, c])
      : tf.reshape(tf.transpose(tf.reshape(mixed, [n, a.heads, tokens, d]), [0, 2, 1, 3]), [n * tokens, c])
  ) as tf.Tensor2D;
  const out = linear(ctx, merged, `${a.prefix}.to_out.0`, tf.reshape(residual, [n * tokens, c]));
  return tf.reshape(out, [n, h, w, c]);
}
