/**
 * Many small variables as one flat vector. The optimiser, clipping and EMA each touch every
 * parameter every step; done per variable that is thousands of tiny kernels per step (5,700 for
 * a 0.18M-parameter U-Net), and per-kernel overhead, not arithmetic, dominates on every backend
 * (docs/browser.md). On one flat vector each is a handful of kernels.
 */
import * as tf from '@tensorflow/tfjs';

/** The tensors laid end to end, in order, as one 1-D tensor. */
export function flatten(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [-1]))) as tf.Tensor1D);
}

/** Splits a flat vector back into pieces shaped like `like` (the inverse of {@link flatten}). */
export function unflatten(flat: tf.Tensor1D, like: readonly tf.Tensor[]): tf.Tensor[] {
  return tf.tidy(() => {
    const pieces = tf.split(
      flat,
      like.map((t) => t.size),
    );
    return pieces.map((p, i) => tf.reshape(p, like[i].shape));
  });
}

/** Total number of elements. */
export function totalSize(tensors: readonly tf.Tensor[]): number {
  return tensors.reduce((n, t) => n + t.size, 0);
}
