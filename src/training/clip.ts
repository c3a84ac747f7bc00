/**
 * Gradient clipping by global norm (TF's `clip_by_global_norm`, which the paper's code uses with
 * 1.0): the gradient is scaled by clip/max(‖g‖, clip), so its direction is kept and only steps
 * whose whole gradient is longer than `clip` shrink. Works on the flat gradient (see flat.ts).
 */
import * as tf from '@tensorflow/tfjs';

/** ‖g‖₂ of the whole (flattened) gradient, as a scalar tensor. */
export function globalNorm(flatGrad: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(flatGrad))) as tf.Scalar);
}

/** The gradient scaled to a global norm of at most `maxNorm`, given its norm. */
export function clipByGlobalNorm(flatGrad: tf.Tensor1D, maxNorm: number, norm: tf.Scalar): tf.Tensor1D {
  return tf.tidy(() => tf.mul(flatGrad, tf.div(maxNorm, tf.maximum(norm, maxNorm))) as tf.Tensor1D);
}
