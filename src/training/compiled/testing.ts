/** Test helper shared by the compiled step's tests (kept out of *.test.ts so several can import it). */
import * as tf from '@tensorflow/tfjs';
import type { CompiledStats, CompiledStep } from './compiledStep';

/**
 * One step that changes no weight (zero moments, step size 0, no clipping) over `batch` examples:
 * its statistics and every variable's gradient, read back before the step is disposed.
 */
export async function frozenStep(
  step: CompiledStep,
  vars: readonly tf.Variable[],
  batch: number,
): Promise<{ stats: CompiledStats; grads: tf.Tensor[] }> {
  const total = vars.reduce((n, v) => n + v.size, 0);
  const [m, v] = [tf.zeros([total]) as tf.Tensor1D, tf.zeros([total]) as tf.Tensor1D];
  step.load(m, v, null);
  tf.dispose([m, v]);
  const stats = await step.step(new Int32Array(3), new Int32Array(batch), {
    stepSize: 0,
    vScale: 1,
    epsilon: 1e-8,
    beta1: 0.9,
    oneMinusBeta1: 0.1,
    beta2: 0.999,
    oneMinusBeta2: 0.001,
    clip: -1,
    decay: 0,
    oneMinusDecay: 1,
  });
  const grads = step.readGradients();
  await Promise.all(grads.map((g) => g.data())); // read before the buffers go
  step.dispose();
  return { stats, grads };
}
