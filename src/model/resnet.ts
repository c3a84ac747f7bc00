/** diffusers' ResnetBlock2D with the default time-embedding injection (added after conv1). */
import type * as tf from '@tensorflow/tfjs';
import {
  SAME_3X3,
  concatenated,
  conv,
  dropout,
  groupNormSilu,
  timeEmbeddingBias,
  type ChannelInput,
  type ForwardContext,
} from './ops';
import type { ResnetPlan } from './plan';

/**
 * h = conv1(silu(norm1(x))) + time_emb_proj(silu(temb)); h = conv2(dropout(silu(norm2(h))));
 * returns shortcut(x) + h, the shortcut a 1×1 conv only when the channel count changes.
 * `tembAct` is silu(temb), shared by all resnets of a pass. x may be an up block's unmaterialised
 * skip concatenation (ops.ts `concatChannels`): norm1 and the shortcut read it in place.
 */
export function resnetBlock(
  ctx: ForwardContext,
  x: ChannelInput,
  tembAct: tf.Tensor2D,
  r: ResnetPlan,
): tf.Tensor4D {
  const p = r.prefix;
  const temb = timeEmbeddingBias(ctx, tembAct, p);
  let h = conv(ctx, groupNormSilu(ctx, x, `${p}.norm1`), `${p}.conv1`, { pad: SAME_3X3, ...temb });
  h = dropout(ctx, groupNormSilu(ctx, h, `${p}.norm2`));
  const shortcut =
    r.inChannels === r.outChannels ? concatenated(x) : conv(ctx, x, `${p}.conv_shortcut`, { pad: [0, 0, 0, 0] });
  return conv(ctx, h, `${p}.conv2`, { pad: SAME_3X3, residual: shortcut });
}
