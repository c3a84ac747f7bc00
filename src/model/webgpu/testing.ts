/**
 * Test helpers for the WebGPU kernels: start tfjs' WebGPU backend in Node through Dawn (the CLI's
 * backend selection), or say why it cannot, and compare a function's values and gradients with
 * a reference implementation on the same backend or on tfjs' CPU backend.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWebGpuBackend } from './device';
import { NO_GPU_FEATURES, type GpuFeatureSwitches } from './features';

/**
 * Starts WebGPU through the `webgpu` package (Dawn; vitest.config.ts points it at SwiftShader on
 * a machine without a GPU) with the optional features `switches` turns on; resolves to null when
 * tfjs runs on it, else the reason it cannot.
 */
export async function startWebGpu(switches: GpuFeatureSwitches = NO_GPU_FEATURES): Promise<string | null> {
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    Object.assign(globalThis, { navigator: { gpu } });
    if (!(await gpu.requestAdapter())) return 'Dawn found no WebGPU adapter (no Vulkan driver)';
    registerWebGpuBackend(gpu, switches);
    if (!(await tf.setBackend('webgpu'))) return 'the tfjs WebGPU backend did not start';
    await tf.ready();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** max |a − b| / max(|b|, tiny) over all elements of two tensors. */
export async function relDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  return maxRel((await a.data()) as Float32Array, (await b.data()) as Float32Array);
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

/** A test input: its shape and deterministic values. */
export interface Input {
  shape: number[];
  data: Float32Array<ArrayBuffer>;
}

/** Values in [−1, 1) from a seeded linear congruential generator (the same on every backend). */
export function random(shape: number[], seed: number): Input {
  let s = seed * 7919 + 17;
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = (s / 2147483648) * 2 - 1;
  }
  return { shape, data };
}

/** The output shape of the last valueAndGrads call per backend. */
const shapes = new Map<string, number[]>();

/**
 * Value and gradients of Σ f(inputs)·r on `backend` (r a fixed random weighting of the output),
 * read back: tfjs' CPU backend is the reference for the WebGPU kernels.
 */
export async function valueAndGrads(
  backend: 'cpu' | 'webgpu',
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: Input[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
  const y = f(...xs);
  shapes.set(backend, y.shape);
  const r = tf.tensor(random(y.shape, 99).data, y.shape);
  const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)))(xs);
  const out = [(await y.data()) as Float32Array];
  for (const g of grads) out.push((await g.data()) as Float32Array);
  tf.dispose([...xs, y, r, ...grads]);
  return out;
}

/** max |a − b| / max(|b|, tiny); arrays of different lengths throw. */
export function maxRel(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/**
 * Relative differences of f on WebGPU against `reference` on tfjs' CPU backend: the value, then
 * each input's gradient; the output shapes must agree.
 */
export async function compareOnCpu(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  reference: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: Input[],
): Promise<number[]> {
  const want = await valueAndGrads('cpu', reference, inputs);
  const got = await valueAndGrads('webgpu', f, inputs);
  const [gpuShape, cpuShape] = [shapes.get('webgpu'), shapes.get('cpu')];
  if (String(gpuShape) !== String(cpuShape))
    throw new Error(`output shapes differ: ${gpuShape} vs ${cpuShape}`);
  return got.map((g, i) => maxRel(g, want[i]));
}
