/**
 * A channel concatenation that is never materialised: the up blocks concatenate the current
 * activation with a skip along channels, and every fused kernel that reads the result (GroupNorm,
 * the conv loaders) reads the two tensors where they lie and writes their gradients into two
 * tensors, so neither a concat forward nor its two slices backward is a dispatch.
 */
import type * as tf from '@tensorflow/tfjs';

/** An NHWC input: one tensor, or two whose concatenation along channels is the input. */
export type ChannelInput = tf.Tensor4D | readonly [tf.Tensor4D, tf.Tensor4D];

/** The tensors of an input, in channel order (one or two), checked to agree in batch and sides. */
export function channelParts(x: ChannelInput): tf.Tensor4D[] {
  if (!Array.isArray(x)) return [x as tf.Tensor4D];
  const parts = [...(x as readonly tf.Tensor4D[])];
  const [n, h, w] = parts[0].shape;
  if (parts.some((p) => p.shape[0] !== n || p.shape[1] !== h || p.shape[2] !== w))
    throw new Error(
      `concatenated inputs differ in batch or sides: ${parts.map((p) => `[${p.shape.join(', ')}]`).join(' and ')}`,
    );
  return parts;
}

/** The channel count of an input (the sum over its tensors). */
export function channelCount(x: ChannelInput): number {
  return channelParts(x).reduce((c, p) => c + p.shape[3], 0);
}

/** The kernels' bindings of an input's tensors: `x`, and `x2` for a concatenation's second. */
export function partBindings(parts: readonly tf.Tensor[]): Record<string, tf.Tensor> {
  return parts.length > 1 ? { x: parts[0], x2: parts[1] } : { x: parts[0] };
}
