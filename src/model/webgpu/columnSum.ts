/**
 * Σ over rows of a [rows, channels] tensor (a bias gradient) in one dispatch: tfjs' sum over a
 * leading axis first transposes the whole tensor so the reduced axis is innermost.
 */
import * as tf from '@tensorflow/tfjs';
import { i32, reductionProgram, reductionWorkgroup, registerWebGpuKernel, runLabKernel } from './program';

const KERNEL = 'LabColumnSum';

function register(): void {
  registerWebGpuKernel<object>(
    KERNEL,
    ([x]) => {
      const [rows, channels] = x.shape;
      const wg = reductionWorkgroup(rows);
      return {
        program: reductionProgram(
          'colsum',
          ['x'],
          [channels],
          channels,
          wg,
          'rows : i32, channels : i32,',
          `
          const WG = ${wg};
          fn main(index : i32) {
            let ch = index / WG;
            var s = 0.0;
            for (var k = i32(localId.x); k < uniforms.rows; k = k + WG) { s = s + x[k * uniforms.channels + ch]; }
            let total = workgroupSum(s);
            if (localId.x == 0u && ch < uniforms.channels) { result[ch] = total; }
          }`,
        ),
        uniforms: [i32(rows), i32(channels)],
      };
    },
    ['x'],
  );
}

/** Σ over every axis but the last (per-channel sums of an NHWC or [rows, c] tensor), on WebGPU. */
export function channelSumWebGpu(x: tf.Tensor): tf.Tensor1D {
  register();
  const c = x.shape[x.rank - 1];
  return tf.tidy(() => runLabKernel(KERNEL, { x: tf.reshape(x, [x.size / c, c]) }) as tf.Tensor1D);
}
