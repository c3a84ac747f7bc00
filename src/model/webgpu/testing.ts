/**
 * Test helpers for the WebGPU kernels: start tfjs' WebGPU backend in Node through Dawn (the CLI's
 * backend selection), or say why it cannot, and compare a function's values and gradients with
 * a reference implementation on the same backend.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWebGpuBackend } from './device';

/**
 * Starts WebGPU through the `webgpu` package (Dawn; vitest.config.ts points it at SwiftShader on
 * a machine without a GPU); resolves to null when tfjs runs on it, else the reason it cannot.
 */
export async function startWebGpu(): Promise<string | null> {
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    Object.assign(globalThis, { navigator: { gpu } });
    if (!(await gpu.requestAdapter())) return 'Dawn found no WebGPU adapter (no Vulkan driver)';
    registerWebGpuBackend(gpu);
    if (!(await tf.setBackend('webgpu'))) return 'the tfjs WebGPU backend did not start';
    await tf.ready();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** max |a − b| / max(|b|, tiny) over all elements. */
export async function relDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = [(await a.data()) as Float32Array, (await b.data()) as Float32Array];
  if (x.length !== y.length) throw new Error(`sizes differ: ${x.length} vs ${y.length}`);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return diff / scale;
}

/**
 * Relative differences of f and reference: their values, then the gradients of Σ f(xs)·r (r a
 * fixed random weighting, so every output element matters differently) for each input.
 */
export async function compareWithGrads(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  reference: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
): Promise<number[]> {
  const loss =
    (g: (...xs: tf.Tensor[]) => tf.Tensor, r: tf.Tensor) =>
    (...xs: tf.Tensor[]) =>
      tf.sum(tf.mul(g(...xs), r));
  const [y, yRef, grads, gradsRef] = tf.tidy(() => {
    const value = f(...inputs);
    const r = tf.randomNormal(value.shape, 0, 1, 'float32', 3);
    return [
      value,
      reference(...inputs),
      tf.grads(loss(f, r))(inputs),
      tf.grads(loss(reference, r))(inputs),
    ] as const;
  });
  const out = [await relDiff(y, yRef)];
  for (let i = 0; i < inputs.length; i++) out.push(await relDiff(grads[i], gradsRef[i]));
  tf.dispose([y, yRef, ...grads, ...gradsRef]);
  return out;
}
