/**
 * Down, mid and up blocks (DownBlock2D/AttnDownBlock2D, UNetMidBlock2D, UpBlock2D/AttnUpBlock2D)
 * and the skip bookkeeping between them.
 */
import type * as tf from '@tensorflow/tfjs';
import { attentionBlock } from './attention';
import { SAME_3X3, conv, type ForwardContext } from './ops';
import type { BlockPlan, UNetPlan } from './plan';
import { resnetBlock } from './resnet';

/**
 * One down level: every resnet(+attention) output is a skip, then the stride-2 downsample, whose
 * output is a skip too. A skip is pushed onto `skips` by its next reader: a resnet pushes its
 * input through the fork its norm1 and shortcut read (see resnetBlock), so the level's input
 * `x`, the newest skip, is not on `skips` yet, and neither is the output this returns (the next
 * level's or the mid block's first resnet pushes it). downsample_padding 0 pads right and bottom
 * only (TensorFlow's "SAME" for stride 2, which the DDPM checkpoint was trained with).
 */
export function downBlock(
  ctx: ForwardContext,
  x: tf.Tensor4D,
  tembAct: tf.Tensor2D,
  block: BlockPlan,
  downsamplePadding: 0 | 1,
  skips: tf.Tensor4D[],
): tf.Tensor4D {
  let h = x;
  block.resnets.forEach((r, j) => {
    h = resnetBlock(ctx, h, tembAct, r, { skips });
    if (block.attentions[j]) h = attentionBlock(ctx, h, block.attentions[j]);
  });
  if (block.resample) {
    skips.push(h);
    const pad: [number, number, number, number] = downsamplePadding === 0 ? [0, 1, 0, 1] : [1, 1, 1, 1];
    h = conv(ctx, h, block.resample.prefix, { stride: 2, pad });
  }
  return h;
}

/**
 * resnet → attention → resnet at the lowest resolution; `x`, the down path's last skip, is
 * pushed onto `skips` by the first resnet.
 */
export function midBlock(
  ctx: ForwardContext,
  x: tf.Tensor4D,
  tembAct: tf.Tensor2D,
  mid: UNetPlan['mid'],
  skips: tf.Tensor4D[],
): tf.Tensor4D {
  const h = resnetBlock(ctx, x, tembAct, mid.resnets[0], { skips });
  return resnetBlock(ctx, attentionBlock(ctx, h, mid.attention), tembAct, mid.resnets[1]);
}

/**
 * One up level: each resnet first concatenates (channel axis) the most recent unused skip, popped
 * from `skips`; then nearest ×2 and a 3×3 conv, except on the last level.
 */
export function upBlock(
  ctx: ForwardContext,
  x: tf.Tensor4D,
  tembAct: tf.Tensor2D,
  block: BlockPlan,
  skips: tf.Tensor4D[],
): tf.Tensor4D {
  let h = x;
  block.resnets.forEach((r, j) => {
    const skip = skips.pop();
    if (!skip) throw new Error(`${r.prefix}: no skip connection left (the plan and the skips disagree)`);
    h = resnetBlock(ctx, h, tembAct, r, { concat: skip });
    if (block.attentions[j]) h = attentionBlock(ctx, h, block.attentions[j]);
  });
  if (block.resample) h = conv(ctx, h, block.resample.prefix, { pad: SAME_3X3, upsample: true });
  return h;
}
