/**
 * SiLU, x·σ(x), as one WebGPU dispatch each way, where tfjs' ops take two forward (Sigmoid, Mul)
 * and five backward (the Mul's two products, the Sigmoid's gradient, their sum): the time
 * embedding's two activations. Written as x / (1 + e^(−x)), as GroupNorm's fused SiLU is.
 */
import * as tf from '@tensorflow/tfjs';
import { elementwiseProgram, registerWebGpuKernel, runLabKernel } from './program';

const FORWARD = 'LabSilu';
const GRAD = 'LabSiluGrad';

function register(): void {
  registerWebGpuKernel(
    FORWARD,
    ([x]) => ({
      program: elementwiseProgram(
        'silu',
        ['x'],
        x.shape,
        '',
        'let v = x[index]; result[index] = v / (1.0 + exp(-v));',
      ),
      uniforms: [],
    }),
    ['x'],
  );
  // d(x·σ(x))/dx = σ(x)·(1 + x·(1 − σ(x))).
  registerWebGpuKernel(
    GRAD,
    ([x]) => ({
      program: elementwiseProgram(
        'silu_grad',
        ['x', 'dy'],
        x.shape,
        '',
        `let v = x[index];
        let s = 1.0 / (1.0 + exp(-v));
        result[index] = dy[index] * s * (1.0 + v * (1.0 - s));`,
      ),
      uniforms: [],
    }),
    ['x', 'dy'],
  );
}

let silu: ((x: tf.Tensor) => tf.Tensor) | null = null;

/** x·σ(x) on the WebGPU backend, differentiable through its own gradient kernel. */
export function siluWebGpu<T extends tf.Tensor>(x: T): T {
  if (!silu) {
    register();
    silu = tf.customGrad((...args) => {
      const [xs, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([xs]);
      return {
        value: runLabKernel(FORWARD, { x: xs }),
        gradFunc: (dy, [sx]) => [runLabKernel(GRAD, { x: sx, dy: dy as tf.Tensor })],
      };
    });
  }
  return silu(x) as T;
}
