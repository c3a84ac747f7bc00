/**
 * A conv's filter gradient computed by the forward Conv2D kernel rather than by tfjs'
 * Conv2DBackpropFilter, which on the CPU backend is a scalar loop about 40× slower than the
 * forward conv and on WebGPU one untiled thread per filter element.
 */
import * as tf from '@tensorflow/tfjs';

/** [top, bottom, left, right] zero padding of a conv's input. */
export type Padding = [number, number, number, number];

/** The padding as tfjs' explicit NHWC padding. */
export function explicitPadding([t, b, l, r]: Padding): [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
] {
  return [
    [0, 0],
    [t, b],
    [l, r],
    [0, 0],
  ];
}

/**
 * dW[i, j, ci, co] = Σ_{b,y,x} xp[b, s·y + i, s·x + j, ci] · dy[b, y, x, co] for x zero-padded by
 * `pad` into xp: a conv of x, read as ci images with n channels, by dy, read as an ho×wo filter
 * from n to co channels, dilated by the stride s. Its output covers at least the k×k taps (one
 * extra row/column when the padded side is not a whole number of strides).
 */
export function filterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  wShape: [number, number, number, number],
  stride: number,
  pad: Padding = [0, 0, 0, 0],
): tf.Tensor4D {
  const [kh, kw, ci, co] = wShape;
  const [t, b, l, r] = pad;
  const images = tf.transpose(x, [3, 1, 2, 0]); // [ci, H, W, n]
  const filter = tf.transpose(dy, [1, 2, 0, 3]); // [ho, wo, n, co]
  const padding = t || b || l || r ? explicitPadding(pad) : 'valid';
  let taps = tf.conv2d(images, filter, 1, padding, 'NHWC', stride); // [ci, ≥kh, ≥kw, co]
  if (taps.shape[1] !== kh || taps.shape[2] !== kw) taps = tf.slice(taps, [0, 0, 0, 0], [ci, kh, kw, co]);
  return tf.transpose(taps, [1, 2, 0, 3]);
}
