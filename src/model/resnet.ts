/** diffusers' ResnetBlock2D with the default time-embedding injection (added after conv1). */
import type * as tf from '@tensorflow/tfjs';
import { SAME_3X3, conv, dropout, groupNormFork, groupNormSilu, linear, type ForwardContext } from './ops';
import type { ResnetPlan } from './plan';

/**
 * h = conv1(silu(norm1(x))) + time_emb_proj(silu(temb)); h = conv2(dropout(silu(norm2(h))));
 * returns shortcut(x) + h, the shortcut a 1×1 conv only when the channel count changes.
 * `tembAct` is silu(temb), shared by all resnets of a pass. With `skips`, x is also pushed onto
 * them (a down path's skip connection): norm1, the shortcut and the skip then read x through one
 * fork, whose gradient kernel sums what the three send back.
 */
export function resnetBlock(
  ctx: ForwardContext,
  x: tf.Tensor4D,
  tembAct: tf.Tensor2D,
  r: ResnetPlan,
  skips?: tf.Tensor4D[],
): tf.Tensor4D {
  const p = r.prefix;
  const temb = linear(ctx, tembAct, `${p}.time_emb_proj`);
  const [normed, xShortcut, xSkip] = groupNormFork(ctx, x, `${p}.norm1`, true, skips ? 2 : 1);
  if (skips) skips.push(xSkip);
  let h = conv(ctx, normed, `${p}.conv1`, { pad: SAME_3X3, rowBias: temb });
  h = dropout(ctx, groupNormSilu(ctx, h, `${p}.norm2`));
  const shortcut =
    r.inChannels === r.outChannels
      ? xShortcut
      : conv(ctx, xShortcut, `${p}.conv_shortcut`, { pad: [0, 0, 0, 0] });
  return conv(ctx, h, `${p}.conv2`, { pad: SAME_3X3, residual: shortcut });
}
