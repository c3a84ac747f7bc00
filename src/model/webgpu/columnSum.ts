/**
 * Σ over rows of [batches, rows, channels] per batch and channel in one dispatch (one workgroup
 * each): a bias gradient (one batch) or, per sample, the gradient of a per-sample channel bias
 * such as the time embedding added after a resnet's conv1. tfjs' sum over a leading or middle
 * axis first transposes the whole tensor so the reduced axis is innermost.
 */
import * as tf from '@tensorflow/tfjs';
import { i32, reductionProgram, reductionWorkgroup, registerWebGpuKernel, runLabKernel } from './program';

const KERNEL = 'LabColumnSum';

function register(): void {
  registerWebGpuKernel<object>(
    KERNEL,
    ([x]) => {
      const [batches, rows, channels] = x.shape;
      const wg = reductionWorkgroup(rows);
      return {
        program: reductionProgram(
          'colsum',
          ['x'],
          [batches, channels],
          batches * channels,
          wg,
          'rows : i32, channels : i32, batches : i32,',
          `
          const WG = ${wg};
          fn main(index : i32) {
            let out = index / WG;
            let b = out / uniforms.channels;
            let ch = out - b * uniforms.channels;
            let base = b * uniforms.rows * uniforms.channels + ch;
            var s = 0.0;
            for (var k = i32(localId.x); k < uniforms.rows; k = k + WG) { s = s + x[base + k * uniforms.channels]; }
            let total = workgroupSum(s);
            if (localId.x == 0u && b < uniforms.batches) { result[out] = total; }
          }`,
        ),
        uniforms: [i32(rows), i32(channels), i32(batches)],
      };
    },
    ['x'],
  );
}

/** Σ over every axis but the last (per-channel sums of an NHWC or [rows, c] tensor), on WebGPU. */
export function channelSumWebGpu(x: tf.Tensor): tf.Tensor1D {
  register();
  const c = x.shape[x.rank - 1];
  return tf.tidy(
    () => tf.reshape(runLabKernel(KERNEL, { x: tf.reshape(x, [1, x.size / c, c]) }), [c]) as tf.Tensor1D,
  );
}

/** Σ over H and W of NHWC, per sample and channel: [n, c], on WebGPU. */
export function pixelSumWebGpu(x: tf.Tensor4D): tf.Tensor2D {
  register();
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => runLabKernel(KERNEL, { x: tf.reshape(x, [n, h * w, c]) }) as tf.Tensor2D);
}

let addFn: ((x: tf.Tensor4D, bias: tf.Tensor2D) => tf.Tensor4D) | null = null;

/**
 * x + bias broadcast over H and W (bias [n, c], one per sample and channel), on WebGPU: one Add
 * forward, and the bias's gradient one {@link pixelSumWebGpu} (tfjs: a transpose and a Sum).
 */
export function addPixelBiasWebGpu(x: tf.Tensor4D, bias: tf.Tensor2D): tf.Tensor4D {
  addFn ??= tf.customGrad((...args) => {
    const [xs, bs, save] = args as [tf.Tensor4D, tf.Tensor2D, tf.GradSaveFunc];
    save([]);
    const [n, , , c] = xs.shape;
    return {
      value: tf.add(xs, tf.reshape(bs, [n, 1, 1, c])) as tf.Tensor4D,
      gradFunc: (dy) => [dy as tf.Tensor4D, pixelSumWebGpu(dy as tf.Tensor4D)],
    };
  }) as unknown as (x: tf.Tensor4D, bias: tf.Tensor2D) => tf.Tensor4D;
  return addFn(x, bias);
}
