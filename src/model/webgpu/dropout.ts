/**
 * Dropout as one WebGPU dispatch each way. tfjs' `dropout` draws u ~ U(0, 1) on the CPU (an
 * upload, no dispatch), then runs Add, Floor, Div and Mul on the GPU, and its gradient another
 * Mul; here x·⌊u + keep⌋/keep is one kernel, and so is the gradient dy·⌊u + keep⌋/keep, with the
 * same u for the same seed and the same float32 rounding, so the masks equal tf.dropout's.
 */
import * as tf from '@tensorflow/tfjs';
import { elementwiseProgram, f32, registerWebGpuKernel, runLabKernel } from './program';

const KERNEL = 'LabDropout';

function register(): void {
  registerWebGpuKernel<{ keep: number }>(
    KERNEL,
    ([x], a) => ({
      program: elementwiseProgram(
        'dropout',
        ['x', 'u'],
        x.shape,
        'keep : f32,',
        'result[index] = x[index] * (floor(u[index] + uniforms.keep) / uniforms.keep);',
      ),
      uniforms: [f32(a.keep)],
    }),
    ['x', 'u'],
  );
}

/** tf.dropout(x, rate, undefined, seed) on WebGPU in one dispatch forward and one backward. */
export function dropoutWebGpu(x: tf.Tensor4D, rate: number, seed: number | undefined): tf.Tensor4D {
  if (!(rate > 0 && rate < 1)) throw new Error(`dropoutWebGpu: rate must be in (0, 1), got ${rate}`);
  register();
  const keep = 1 - rate;
  const u = tf.randomUniform(x.shape, 0, 1, 'float32', seed);
  const f = tf.customGrad((...args) => {
    const [xs, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    // Saved (kept by the tape) because u dies with the forward pass's tidy, before the backward.
    save([u]);
    return {
      value: runLabKernel(KERNEL, { x: xs, u }, { keep }) as tf.Tensor4D,
      gradFunc: (dy, [savedU]) => [runLabKernel(KERNEL, { x: dy as tf.Tensor, u: savedU }, { keep })],
    };
  });
  return f(x) as tf.Tensor4D;
}
