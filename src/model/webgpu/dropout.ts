/**
 * Dropout as one WebGPU dispatch each way, with its mask drawn on the GPU: element e of dropout
 * call k is kept when Philox word (seed, step, stream dropout + k, e) clears the rate's integer
 * threshold (src/random/draws.ts). Nothing is drawn or uploaded by the host but the three key
 * words, and the backward pass recomputes the mask from them instead of storing it, so the CPU's
 * mask (`dropoutMask`) and the GPU's are the same bits.
 */
import * as tf from '@tensorflow/tfjs';
import { dropoutThreshold } from '../../random/draws';
import { trainingDrawsWgsl } from '../../random/philoxWgsl';
import { elementwiseProgram, f32, i32, registerWebGpuKernel, runLabKernel } from './program';

const KERNEL = 'LabDropout';

function register(): void {
  registerWebGpuKernel<{ call: number; threshold: number; scale: number }>(
    KERNEL,
    ([x], a) => {
      const program = elementwiseProgram(
        'dropout_philox',
        ['x', 'key'],
        x.shape,
        'call : i32, threshold : i32, scale : f32,',
        `
        let k = vec2<u32>(bitcast<u32>(key[0]), bitcast<u32>(key[1]));
        let kept = dropoutKeep(k, bitcast<u32>(key[2]), u32(uniforms.call), u32(index), u32(uniforms.threshold));
        result[index] = select(0.0, x[index] * uniforms.scale, kept);`,
      );
      const main = program.getUserCode();
      program.getUserCode = () => `${trainingDrawsWgsl()}\n${main}`;
      return { program, uniforms: [i32(a.call), i32(a.threshold), f32(a.scale)] };
    },
    ['x', 'key'],
  );
}

/**
 * Inverted dropout of `x` at `rate` for dropout call `call` of a pass keyed by `key`, an int32
 * tensor [seed low word, seed high word, step]: x·float32(1/(1−rate)) where kept, else 0.
 */
export function dropoutWebGpu(x: tf.Tensor4D, rate: number, call: number, key: tf.Tensor1D): tf.Tensor4D {
  const threshold = dropoutThreshold(rate);
  register();
  const attrs = { call, threshold, scale: Math.fround(1 / (1 - rate)) };
  const f = tf.customGrad((...args) => {
    const [xs, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    // The key is kept by the tape: the backward pass redraws the mask from it.
    save([key]);
    return {
      value: runLabKernel(KERNEL, { x: xs, key }, attrs) as tf.Tensor4D,
      gradFunc: (dy, [savedKey]) => [runLabKernel(KERNEL, { x: dy as tf.Tensor, key: savedKey }, attrs)],
    };
  });
  return f(x) as tf.Tensor4D;
}
