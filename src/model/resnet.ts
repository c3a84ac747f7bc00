/** diffusers' ResnetBlock2D with the default time-embedding injection (added after conv1). */
import type * as tf from '@tensorflow/tfjs';
import {
  SAME_3X3,
  conv,
  dropout,
  groupNormFork,
  groupNormSilu,
  timeEmbeddingBias,
  type ForwardContext,
} from './ops';
import type { ResnetPlan } from './plan';

/** What a resnet does with its input besides reading it. */
export interface ResnetInput {
  /** Push x onto these (a down path's skip connection). */
  skips?: tf.Tensor4D[];
  /** The block's input is x and this skip concatenated along the channels (the up path). */
  concat?: tf.Tensor4D;
}

/**
 * h = conv1(silu(norm1(x))) + time_emb_proj(silu(temb)); h = conv2(dropout(silu(norm2(h))));
 * returns shortcut(x) + h, the shortcut a 1×1 conv only when the channel count changes.
 * `tembAct` is silu(temb), shared by all resnets of a pass. norm1 and the shortcut (and the
 * skip, with `io.skips`) read x through one fork, whose gradient kernel sums what they send back;
 * with `io.concat` the fork also does the concatenation.
 */
export function resnetBlock(
  ctx: ForwardContext,
  x: tf.Tensor4D,
  tembAct: tf.Tensor2D,
  r: ResnetPlan,
  io: ResnetInput = {},
): tf.Tensor4D {
  const p = r.prefix;
  const temb = timeEmbeddingBias(ctx, tembAct, p);
  const views = io.skips ? 2 : 1;
  const [normed, xShortcut, xSkip] = groupNormFork(ctx, x, `${p}.norm1`, true, views, io.concat);
  io.skips?.push(xSkip);
  let h = conv(ctx, normed, `${p}.conv1`, { pad: SAME_3X3, ...temb });
  h = dropout(ctx, groupNormSilu(ctx, h, `${p}.norm2`));
  const shortcut =
    r.inChannels === r.outChannels
      ? xShortcut
      : conv(ctx, xShortcut, `${p}.conv_shortcut`, { pad: [0, 0, 0, 0] });
  return conv(ctx, h, `${p}.conv2`, { pad: SAME_3X3, residual: shortcut });
}
