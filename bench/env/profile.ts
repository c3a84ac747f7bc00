/**
 * GPU time per tfjs kernel over one training step: `tf.profile` times each kernel with WebGPU
 * timestamp queries (the backend asks for them when the adapter offers them), which says where a
 * real GPU spends the step, unlike dispatch counts. Only registered kernels are summed: customGrad
 * wrappers and scopes nest them and would count their time twice.
 */
import * as tf from '@tensorflow/tfjs';
import type { BenchEvent } from '../lib/types';

/** Kernels reported, slowest first. */
const SHOWN = 15;

/** Runs `step` once under the profiler and returns the per-kernel totals as a `profile` event. */
export async function profileStep(
  step: () => Promise<number>,
): Promise<Extract<BenchEvent, { type: 'profile' }>> {
  const backend = tf.getBackend();
  const start = performance.now();
  const info = await tf.profile(() => step());
  const wallMs = performance.now() - start;
  return {
    type: 'profile',
    ...kernelTotals(info.kernels, (name) => tf.getKernel(name, backend) !== undefined),
    wallMs,
  };
}

/** Sums GPU ms and calls per kernel name over the kernels `registered` accepts, slowest first. */
export function kernelTotals(
  kernels: { name: string; kernelTimeMs: unknown }[], // resolved by tf.profile; an error object where timing failed
  registered: (name: string) => boolean,
): { kernels: [string, number, number][]; gpuMs: number } {
  const totals = new Map<string, [number, number]>();
  for (const k of kernels) {
    if (!registered(k.name)) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const t = totals.get(k.name) ?? [0, 0];
    totals.set(k.name, [t[0] + ms, t[1] + 1]);
  }
  const rows = [...totals].map(([name, [ms, n]]): [string, number, number] => [name, ms, n]);
  rows.sort((a, b) => b[1] - a[1] || b[2] - a[2]);
  return { kernels: rows.slice(0, SHOWN), gpuMs: rows.reduce((s, r) => s + r[1], 0) };
}
