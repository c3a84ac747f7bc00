/**
 * What the host-cost benches on Dawn's Null backend share (`compiledHost.ts`, training;
 * `compiledSampleHost.ts`, sampling): their flags, the main thread's CPU clock, and tfjs started
 * on WebGPU over Null (full WebGPU validation, no GPU work) with its dispatches counted.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { webGpuBackend, type WebGpuBackendInternals } from '../../src/training/compiled/backend';

/** The value after `--name` on the command line, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Main-thread CPU nanoseconds so far. */
export const cpuNs = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);

/** Starts tfjs' WebGPU backend on Dawn's Null backend; `dispatches()` counts the programs tfjs records. */
export async function startNullWebGpu(): Promise<{
  backend: WebGpuBackendInternals;
  dispatches: () => number;
}> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  Object.assign(globalThis, { navigator: { gpu: create(['backend=null']) } });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('no WebGPU backend on Dawn null');
  const backend = webGpuBackend();
  let count = 0;
  const record = backend.recordAndSubmit;
  backend.recordAndSubmit = (...args) => {
    count++;
    record.apply(backend, args);
  };
  return { backend, dispatches: () => count };
}
