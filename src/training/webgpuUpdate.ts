/**
 * The optimiser's and the EMA's arithmetic as WebGPU kernels: each moment update, each
 * variable's Adam step and the EMA blend is one dispatch, where tfjs' ops take three to five per
 * flat vector plus a Slice and a Sub per variable.
 */
import * as tf from '@tensorflow/tfjs';
import { elementwiseProgram, f32, i32, registerWebGpuKernel, runLabKernel } from '../model/webgpu/program';

const MOMENT = 'LabAdamMoment';
const STEP = 'LabAdamStep';
const BLEND = 'LabBlend';

function register(): void {
  // β·m + (1−β)·g (or g² for the second moment); 1−β is rounded from float64 as tfjs' ops do.
  registerWebGpuKernel<{ beta: number; square: boolean }>(
    MOMENT,
    ([m], a) => ({
      program: elementwiseProgram(
        `adam_moment_${a.square}`,
        ['m', 'g'],
        m.shape,
        'beta : f32, rest : f32,',
        `
        let gi = g[index];
        result[index] = uniforms.beta * m[index] + uniforms.rest * ${a.square ? 'gi * gi' : 'gi'};`,
      ),
      uniforms: [f32(a.beta), f32(1 - a.beta)],
    }),
    ['m', 'g'],
  );
  // One variable's w − stepSize·m/(√v·vScale + ε), reading its slice of the flat moments.
  registerWebGpuKernel<{ offset: number; stepSize: number; vScale: number; epsilon: number }>(
    STEP,
    ([w], a) => ({
      program: elementwiseProgram(
        'adam_step',
        ['w', 'm', 'v'],
        w.shape,
        'offset : i32, stepSize : f32, vScale : f32, epsilon : f32,',
        `
        let j = index + uniforms.offset;
        result[index] = w[index] - uniforms.stepSize * m[j] / (sqrt(v[j]) * uniforms.vScale + uniforms.epsilon);`,
      ),
      uniforms: [i32(a.offset), f32(a.stepSize), f32(a.vScale), f32(a.epsilon)],
    }),
    ['w', 'm', 'v'],
  );
  // d·a + (1−d)·b.
  registerWebGpuKernel<{ decay: number }>(
    BLEND,
    ([a], attrs) => ({
      program: elementwiseProgram(
        'blend',
        ['a', 'b'],
        a.shape,
        'decay : f32, rest : f32,',
        `
        result[index] = uniforms.decay * a[index] + uniforms.rest * b[index];`,
      ),
      uniforms: [f32(attrs.decay), f32(1 - attrs.decay)],
    }),
    ['a', 'b'],
  );
}

/** β·m + (1−β)·g, or β·m + (1−β)·g² with `square`, on WebGPU. */
export function momentWebGpu(m: tf.Tensor1D, g: tf.Tensor1D, beta: number, square: boolean): tf.Tensor1D {
  register();
  return runLabKernel(MOMENT, { m, g }, { beta, square }) as tf.Tensor1D;
}

/** Adam's step for one variable whose moments start at `offset` in the flat m and v, on WebGPU. */
export function adamStepWebGpu(
  w: tf.Tensor,
  m: tf.Tensor1D,
  v: tf.Tensor1D,
  attrs: { offset: number; stepSize: number; vScale: number; epsilon: number },
): tf.Tensor {
  register();
  return runLabKernel(STEP, { w, m, v }, attrs);
}

/** decay·a + (1−decay)·b, on WebGPU. */
export function blendWebGpu(a: tf.Tensor1D, b: tf.Tensor1D, decay: number): tf.Tensor1D {
  register();
  return runLabKernel(BLEND, { a, b }, { decay }) as tf.Tensor1D;
}
