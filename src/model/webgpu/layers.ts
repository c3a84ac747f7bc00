/**
 * Conv and dense layers for the WebGPU backend with the bias (and the conv's zero padding) inside
 * the one forward kernel: tfjs' fused Conv2D/MatMul take a bias and explicit padding, where the
 * plain path pays a Pad and an Add dispatch forward and a Slice and a transposing Sum backward.
 * Gradients: the input's through the native transposed conv (or a matmul), the filter's through
 * im2col and a matmul (filterGrad.ts; the forward conv of convGrad.ts for layers too large for
 * it) or, for 1×1 convs, one matmul, the bias's one column sum.
 */
import * as tf from '@tensorflow/tfjs';
import { explicitPadding, filterGradient, type Padding } from '../convGrad';
import { channelSumWebGpu } from './columnSum';
import { filterGradientWebGpu, im2colFits } from './filterGrad';

type ConvFn = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D;
const convs = new Map<string, ConvFn>();

/** conv2d(x zero-padded by `pad`, w, stride) + b, one dispatch forward. */
export function convWebGpu(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor1D,
  stride: 1 | 2,
  pad: Padding,
): tf.Tensor4D {
  const key = `${stride}|${pad.join(',')}`;
  let f = convs.get(key);
  if (!f) {
    const padding = explicitPadding(pad);
    f = tf.customGrad((...args) => {
      const [xs, ws, bs, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
      save([xs, ws]);
      return {
        value: tf.fused.conv2d({ x: xs, filter: ws, strides: stride, pad: padding, bias: bs }),
        gradFunc: (dy, saved) => {
          const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
          const dy4 = dy as tf.Tensor4D;
          const [kh, kw, ci, co] = sw.shape;
          if (kh === 1 && kw === 1 && stride === 1 && pad.every((p) => p === 0)) {
            // A 1×1 conv is a matmul over pixels: no transposes for either gradient.
            const x2 = tf.reshape(sx, [-1, ci]) as tf.Tensor2D;
            const dy2 = tf.reshape(dy4, [-1, co]) as tf.Tensor2D;
            const w2 = tf.reshape(sw, [ci, co]) as tf.Tensor2D;
            return [
              tf.reshape(tf.matMul(dy2, w2, false, true), sx.shape),
              tf.reshape(tf.matMul(x2, dy2, true, false), sw.shape),
              channelSumWebGpu(dy4),
            ];
          }
          return [
            tf.conv2dTranspose(dy4, sw, sx.shape, stride, padding),
            im2colFits(dy4.shape, sw.shape)
              ? filterGradientWebGpu(sx, dy4, sw.shape, stride, pad)
              : filterGradient(sx, dy4, sw.shape, stride, pad),
            channelSumWebGpu(dy4),
          ];
        },
      };
    }) as unknown as ConvFn;
    convs.set(key, f);
  }
  return f(x, w, b);
}

type LinearFn = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
let linearFn: LinearFn | null = null;

/** x·W + b (W [in, out]), one dispatch forward; the bias gradient is one column sum. */
export function linearWebGpu(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  linearFn ??= tf.customGrad((...args) => {
    const [xs, ws, bs, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([xs, ws]);
    return {
      value: tf.fused.matMul({ a: xs, b: ws, bias: bs }),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        return [tf.matMul(dy2, sw, false, true), tf.matMul(sx, dy2, true, false), channelSumWebGpu(dy2)];
      },
    };
  }) as unknown as LinearFn;
  return linearFn(x, w, b);
}
