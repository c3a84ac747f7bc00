/**
 * The few internals of tfjs' WebGPU backend (tfjs-backend-webgpu 4.22) the compiled step uses:
 * its device, its buffers by tensor, its command encoder, and the one method every program
 * dispatch goes through (`recordAndSubmit`), which the capture wraps.
 */
import * as tf from '@tensorflow/tfjs';
import type { SplitKSum } from '../../model/webgpu/gemm';

/** A program as `recordAndSubmit` sees it, after `runWebGPUProgram` compiled its pipeline. */
export interface RecordedProgram {
  pipeline: GPUComputePipeline;
  dispatch: [number, number, number];
  shaderKey: string;
  labKernel?: string;
  /** Positions in `inputs` that a lab kernel writes (its side outputs). */
  labWrites?: number[];
  /** What a split-K sum adds up (splitKSums.ts merges such sums). */
  labSplitKSum?: SplitKSum;
}

/** The WebGPU backend's members the compiled step reads or wraps. */
export interface WebGpuBackendInternals {
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: { get(dataId: object): { resource?: unknown } | undefined };
  commandEncoder: GPUCommandEncoder | null;
  recordAndSubmit(
    program: RecordedProgram,
    output: tf.TensorInfo,
    inputs: tf.TensorInfo[],
    uniforms?: unknown,
  ): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

/** tfjs' active backend as the WebGPU backend's internals; throws on any other backend. */
export function webGpuBackend(): WebGpuBackendInternals {
  if (tf.getBackend() !== 'webgpu')
    throw new Error(`the compiled step needs the webgpu backend, not ${tf.getBackend()}`);
  return tf.backend() as unknown as WebGpuBackendInternals;
}

/** The GPU buffer holding a tensor's data (uploading it first if it is still on the CPU). */
export function bufferOf(backend: WebGpuBackendInternals, t: tf.TensorInfo): GPUBuffer {
  (backend as unknown as { uploadToGPU(id: object): void }).uploadToGPU(t.dataId);
  const resource = backend.tensorMap.get(t.dataId)?.resource;
  if (!(resource instanceof GPUBuffer)) throw new Error('tensor data is not in a GPU buffer');
  return resource;
}

/** Sends whatever tfjs has encoded but not submitted, so work queued after it sees its results. */
export function flushTfjs(backend: WebGpuBackendInternals): void {
  backend.endComputePassEncoder();
  if (backend.commandEncoder) backend.submitQueue();
}

/**
 * Destroys the buffers tfjs keeps pooled for reuse (the buffers of disposed tensors). After the
 * compiled step's capture they hold the captured step's intermediates, which the compiled step's
 * own slots replace: kept, they would double the step's activation memory. The pool's keys stay
 * (tfjs skips releasing buffers into an empty pool map).
 */
export function releasePooledBuffers(backend: WebGpuBackendInternals): void {
  flushTfjs(backend);
  const pool = (backend as unknown as { bufferManager: PoolInternals }).bufferManager;
  for (const buffers of pool.freeBuffers.values()) {
    for (const b of buffers) {
      pool.numBytesAllocated -= b.size;
      b.destroy();
    }
    buffers.length = 0;
  }
  pool.numFreeBuffers = 0;
}

/** tfjs-backend-webgpu 4.22's BufferManager, as far as `releasePooledBuffers` touches it. */
interface PoolInternals {
  freeBuffers: Map<string, GPUBuffer[]>;
  numFreeBuffers: number;
  numBytesAllocated: number;
}
