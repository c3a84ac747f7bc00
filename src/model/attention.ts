/** diffusers' spatial self-attention block (`Attention` as built by AttnDownBlock2D, AttnUpBlock2D and the mid block). */
import * as tf from '@tensorflow/tfjs';
import { groupNormFork, linear, type ForwardContext } from './ops';
import type { AttentionPlan } from './plan';
import { attentionCoreWebGpu } from './webgpu/attention';
import { projectionsGemm } from './webgpu/gemmOps';

const PROJECTIONS = ['to_q', 'to_k', 'to_v'] as const;

/**
 * softmax(scale·q·kᵀ)·v of the to_q, to_k, to_v projections of `flat` [images·tokens, c] per
 * head, the heads merged back: [images·tokens, c]. Fused: q, k, v as one GEMM into a packed
 * [images·tokens, 3c] (the three weights read where they lie; the parameters keep their names),
 * which the core reads in place. tfjs' ops: three dense layers, the heads split apart and merged.
 */
function attentionCore(
  ctx: ForwardContext,
  flat: tf.Tensor2D,
  a: AttentionPlan,
  images: number,
): tf.Tensor2D {
  const [rows, c] = flat.shape;
  const tokens = rows / images;
  const d = c / a.heads;
  const scale = 1 / Math.sqrt(d);
  if (ctx.fused) {
    const param = (name: string) => ctx.param(`${a.prefix}.${name}`);
    const qkv = projectionsGemm(
      flat,
      PROJECTIONS.map((p) => param(`${p}.weight`) as tf.Tensor2D),
      PROJECTIONS.map((p) => param(`${p}.bias`) as tf.Tensor1D),
    );
    return attentionCoreWebGpu(qkv, images, a.heads, scale);
  }
  // [n·tokens, c] → [n·heads, tokens, d], diffusers' head_to_batch_dim, and back; with one head a
  // reshape (a transpose of a size-1 axis moves no data but is still a dispatch, and one backward).
  const split = (t: tf.Tensor2D) =>
    (a.heads === 1
      ? tf.reshape(t, [images, tokens, d])
      : tf.reshape(tf.transpose(tf.reshape(t, [images, tokens, a.heads, d]), [0, 2, 1, 3]), [
          images * a.heads,
          tokens,
          d,
        ])) as tf.Tensor3D;
  const [q, k, v] = PROJECTIONS.map((p) => split(linear(ctx, flat, `${a.prefix}.${p}`)));
  const mixed = tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)), v);
  return (
    a.heads === 1
      ? tf.reshape(mixed, [rows, c])
      : tf.reshape(tf.transpose(tf.reshape(mixed, [images, a.heads, tokens, d]), [0, 2, 1, 3]), [rows, c])
  ) as tf.Tensor2D;
}

/**
 * GroupNorm, then multi-head softmax(q·kᵀ/√d)·v over the H·W tokens (d = channels per head),
 * the output projection `to_out.0`, plus the block's input (residual).
 */
export function attentionBlock(ctx: ForwardContext, x: tf.Tensor4D, a: AttentionPlan): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  // The residual reads x through the norm's fork: x's two gradients are summed by its kernel.
  const [normed, residual] = groupNormFork(ctx, x, `${a.prefix}.group_norm`, false, 1);
  const flat = tf.reshape(normed, [n * h * w, c]) as tf.Tensor2D;
  const out = linear(
    ctx,
    attentionCore(ctx, flat, a, n),
    `${a.prefix}.to_out.0`,
    tf.reshape(residual, [n * h * w, c]),
  );
  return tf.reshape(out, [n, h, w, c]);
}
