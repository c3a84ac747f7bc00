/**
 * The lab-only ablation `lab_norm_after_conv_in: "batch"`: BatchNorm2d as PyTorch defines it
 * (eps 1e-5, momentum 0.1, unbiased variance in the running estimate). It exists so a learner can
 * see what docs/ddpm.md §4 warns about: batch statistics couple the samples of a batch while training
 * and are replaced by running statistics at sampling time.
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardContext } from './ops';

const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;

/**
 * Training: normalise with the batch's mean and (biased) variance over N·H·W, and move the running
 * statistics toward them. Eval: normalise with the running statistics.
 */
export function batchNorm(ctx: ForwardContext, x: tf.Tensor4D, prefix: string): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const count = n * h * w;
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (ctx.training) {
    if (count < 2)
      throw new Error(
        `${prefix}: BatchNorm in training needs more than one value per channel, got batch ${n} of ${h}×${w}`,
      );
    ({ mean, variance } = tf.moments(x, [0, 1, 2]));
    const running = (name: string, batch: tf.Tensor) =>
      tf.add(tf.mul(ctx.param(`${prefix}.${name}`), 1 - BN_MOMENTUM), tf.mul(batch, BN_MOMENTUM));
    ctx.assignState(`${prefix}.running_mean`, running('running_mean', mean));
    ctx.assignState(`${prefix}.running_var`, running('running_var', tf.mul(variance, count / (count - 1))));
  } else {
    mean = ctx.param(`${prefix}.running_mean`);
    variance = ctx.param(`${prefix}.running_var`);
  }
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BN_EPS)));
  return tf.add(tf.mul(normed, ctx.param(`${prefix}.weight`)), ctx.param(`${prefix}.bias`));
}
