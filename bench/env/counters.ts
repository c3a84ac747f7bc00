/**
 * Counts what a step costs the backend without tf.profile (which times and downloads every
 * kernel's output, changing what it measures): every kernel call through the engine, the high
 * water mark of memory at kernel boundaries, and the GPU programs the backend submits.
 * On WebGPU the memory is the bytes of GPU buffers in use (the backend's buffer manager); elsewhere
 * the engine's tensor bytes, which count a buffer again for every tensor viewing it (a reshape).
 * Done by wrapping one method on each object; the wrappers add a counter increment per call.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepCounts } from '../lib/types';

interface EngineInternals {
  runKernelFunc(...args: unknown[]): unknown;
  state: { numBytes: number };
}

/** Running totals since the last reset. */
export interface Counters {
  reset(): void;
  read(): StepCounts;
  /** Calls per engine kernel name and per WebGPU program class since the reset, most frequent first. */
  tallies(): { kernels: [string, number][]; dispatches: [string, number][] };
}

/**
 * Installs the counters on the current backend. `dispatches` counts WebGPU compute dispatches
 * (`recordAndSubmit`, one per program) or WebGL draws (`gpgpu.executeProgram`); null on CPU.
 */
export function installCounters(): Counters {
  const engine = tf.engine() as unknown as EngineInternals;
  const backend = tf.backend() as unknown as Record<string, unknown>;
  const buffers = backend.bufferManager as { numBytesUsed: number } | undefined;
  const bytesNow = (): number =>
    tf.getBackend() === 'webgpu' && buffers ? buffers.numBytesUsed : engine.state.numBytes;
  let kernels = 0;
  let peak = 0;
  let dispatches = 0;
  const kernelNames = new Map<string, number>();
  const programNames = new Map<string, number>();
  const run = engine.runKernelFunc;
  engine.runKernelFunc = function (this: EngineInternals, ...args: unknown[]) {
    kernels++;
    tally(kernelNames, (args[0] as { kernelName?: string }).kernelName ?? 'unnamed');
    const out = run.apply(this, args);
    peak = Math.max(peak, bytesNow());
    return out;
  };

  let target: Record<string, unknown> | null = null;
  let method = '';
  if (tf.getBackend() === 'webgpu') [target, method] = [backend, 'recordAndSubmit'];
  if (tf.getBackend() === 'webgl')
    [target, method] = [backend.gpgpu as Record<string, unknown>, 'executeProgram'];
  if (target) {
    const original = target[method];
    if (typeof original !== 'function')
      throw new Error(`tfjs ${tf.getBackend()} backend has no ${method}(): cannot count dispatches`);
    target[method] = function (this: unknown, ...args: unknown[]) {
      dispatches++;
      // WebGPU passes the program; its class names the shader (Conv2DMMProgram, BinaryOpProgram…),
      // the lab's own programs (src/model/webgpu) their kernel.
      const program = args[0] as { labKernel?: string } | undefined;
      if (program) tally(programNames, program.labKernel ?? program.constructor.name);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  const counting = target !== null;
  return {
    reset() {
      kernels = 0;
      dispatches = 0;
      kernelNames.clear();
      programNames.clear();
      peak = bytesNow();
    },
    read() {
      return { kernels, dispatches: counting ? dispatches : null, peakBytes: peak };
    },
    tallies() {
      return { kernels: sorted(kernelNames), dispatches: sorted(programNames) };
    },
  };
}

function tally(counts: Map<string, number>, name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}

function sorted(counts: Map<string, number>): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
