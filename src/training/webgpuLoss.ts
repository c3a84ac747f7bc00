/**
 * The batch's loss on the fused WebGPU path: each example's mean squared error in one dispatch
 * (a workgroup per example), their mean (tfjs' Mean), and backward one dispatch,
 * dL/dprediction = 2·(prediction − target)·dL/(B·count), where tfjs' ops take a
 * SquaredDifference and two Means forward and seven elementwise dispatches backward.
 */
import * as tf from '@tensorflow/tfjs';
import {
  elementwiseProgram,
  f32,
  i32,
  reductionProgram,
  reductionWorkgroup,
  registerWebGpuKernel,
  runLabKernel,
} from '../model/webgpu/program';

const PER_EXAMPLE = 'LabMsePerExample';
const GRAD = 'LabMseGrad';

function register(): void {
  registerWebGpuKernel(
    PER_EXAMPLE,
    ([p]) => {
      const [batch, ...rest] = p.shape;
      const count = rest.reduce((a, b) => a * b, 1);
      const wg = reductionWorkgroup(count);
      return {
        program: reductionProgram(
          'mse_per_example',
          ['prediction', 'wanted'],
          [batch],
          batch,
          wg,
          'elements : i32,',
          `const WG = ${wg};
          fn main(index : i32) {
            let base = (index / WG) * uniforms.elements;
            var s = 0.0;
            for (var k = i32(localId.x); k < uniforms.elements; k = k + WG) {
              let d = prediction[base + k] - wanted[base + k];
              s = s + d * d;
            }
            let total = workgroupSum(s);
            if (localId.x == 0u) { result[index / WG] = total / f32(uniforms.elements); }
          }`,
        ),
        uniforms: [i32(count)],
      };
    },
    ['prediction', 'wanted'],
  );
  registerWebGpuKernel<{ scale: number }>(
    GRAD,
    ([p], a) => ({
      program: elementwiseProgram(
        'mse_grad',
        ['prediction', 'wanted', 'dy'],
        p.shape,
        'scale : f32,',
        'result[index] = (prediction[index] - wanted[index]) * (dy[0] * uniforms.scale);',
      ),
      uniforms: [f32(a.scale)],
    }),
    ['prediction', 'wanted', 'dy'],
  );
}

/**
 * The mean over the batch of each example's mean squared error of `prediction` against
 * `target`, differentiable in `prediction` only, and (kept, for the caller to dispose) each
 * example's error [B]. Only valid while the active backend is 'webgpu'.
 */
export function mseLossWebGpu(
  prediction: tf.Tensor4D,
  target: tf.Tensor4D,
): { loss: tf.Scalar; perExample: tf.Tensor1D } {
  register();
  let perExample: tf.Tensor1D | null = null;
  const f = tf.customGrad((...args) => {
    const [p, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([p, target]);
    // Kept: the customGrad runs in a scope of its own, which would dispose it.
    const each = tf.keep(runLabKernel(PER_EXAMPLE, { prediction: p, wanted: target }) as tf.Tensor1D);
    perExample = each;
    return {
      value: tf.mean(each) as tf.Scalar,
      gradFunc: (dy, [sp, st]) => [
        runLabKernel(GRAD, { prediction: sp, wanted: st, dy: dy as tf.Tensor }, { scale: 2 / sp.size }),
      ],
    };
  });
  const loss = f(prediction) as tf.Scalar;
  return { loss, perExample: perExample as unknown as tf.Tensor1D };
}
