/**
 * The GPU check: a square matrix multiply timed on the active backend, reported in GFLOP/s.
 * One warm-up multiply compiles the shader first; the timed ones are queued back to back and
 * only the last result is awaited, since the GPU runs the queue in order.
 */
import * as tf from '@tensorflow/tfjs';

export interface GpuCheckResult {
  ms: number;
  gflops: number;
}

export async function runGpuCheck(size: number, iterations: number): Promise<GpuCheckResult> {
  const a = tf.randomNormal([size, size], 0, 1, 'float32', 1);
  const b = tf.randomNormal([size, size], 0, 1, 'float32', 2);
  try {
    const warm = tf.matMul(a, b);
    await warm.data();
    warm.dispose();
    const t0 = performance.now();
    const outs: tf.Tensor[] = [];
    for (let i = 0; i < iterations; i++) outs.push(tf.matMul(a, b));
    await outs[outs.length - 1].data();
    const ms = performance.now() - t0;
    tf.dispose(outs);
    return { ms, gflops: (2 * size ** 3 * iterations) / (ms * 1e6) };
  } finally {
    tf.dispose([a, b]);
  }
}
