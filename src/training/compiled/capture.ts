/**
 * Records the dispatches tfjs' WebGPU backend makes while a function runs: for each, its
 * pipeline, workgroup counts, uniform bytes and which tensor data (by tfjs data id) it writes and
 * reads. Data read but never written inside the capture and not declared external (constants such
 * as the seed gradient of the loss) is copied into a buffer of the capture's own at first read,
 * before tfjs can recycle its buffer. A value may be written more than once (tfjs' split-K matmul
 * zero-fills its output, then accumulates into it), and a lab kernel may write some of its bound
 * buffers besides the output (side outputs, `labWrites`). The recording is the raw material of `plan.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import type { SplitKSum } from '../../model/webgpu/gemm';
import type { WebGpuBackendInternals } from './backend';

/** One recorded dispatch. */
export interface CapturedDispatch {
  pipeline: GPUComputePipeline;
  workgroups: [number, number, number];
  /** The uniform struct tfjs wrote for it (shapes, strides, sizes, the program's own values). */
  uniforms: Uint8Array;
  output: object;
  /** Every binding after the output, in binding order (side outputs included). */
  inputs: object[];
  /** The side outputs among `inputs`: written, not read. */
  writes: object[];
  /** The lab kernel or tfjs shader key, for counts and messages. */
  name: string;
  /** Set on a split-K sum: what it adds up (splitKSums.ts). */
  splitKSum?: SplitKSum;
}

export interface Capture {
  dispatches: CapturedDispatch[];
  /** Bytes of every data id seen (its tfjs buffer's size). */
  bytes: Map<object, number>;
  /** Constants read inside the capture, copied at first read. */
  constants: Map<object, GPUBuffer>;
}

/**
 * Runs `f` with the backend's dispatches recorded (and still executed, so `f`'s results are
 * real). `externals` are the data ids the caller binds itself (weights, per-step inputs). tfjs'
 * CPU forwarding of small ops is off meanwhile: every op must be a dispatch to be replayed.
 */
export function captureDispatches<T>(
  backend: WebGpuBackendInternals,
  externals: ReadonlySet<object>,
  f: () => T,
): { result: T; capture: Capture } {
  const capture: Capture = { dispatches: [], bytes: new Map(), constants: new Map() };
  const written = new Set<object>();
  const original = backend.recordAndSubmit;
  const own = Object.prototype.hasOwnProperty.call(backend, 'recordAndSubmit');
  const queue = backend.queue;
  const writeBuffer = queue.writeBuffer;
  const sizeOf = (id: object) => {
    const resource = backend.tensorMap.get(id)?.resource;
    if (!(resource instanceof GPUBuffer))
      throw new Error('the compiled step met tensor data that is not a GPU buffer');
    return resource;
  };
  const snapshot = (id: object) => {
    const src = sizeOf(id);
    const copy = backend.device.createBuffer({
      size: src.size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    (backend.commandEncoder as GPUCommandEncoder).copyBufferToBuffer(src, 0, copy, 0, src.size);
    capture.constants.set(id, copy);
  };
  backend.recordAndSubmit = (program, output, inputs, uniforms) => {
    const writes = (program.labWrites ?? []).map((i) => inputs[i].dataId);
    for (const input of inputs) {
      capture.bytes.set(input.dataId, sizeOf(input.dataId).size);
      if (writes.includes(input.dataId)) continue;
      if (!written.has(input.dataId) && !externals.has(input.dataId) && !capture.constants.has(input.dataId))
        snapshot(input.dataId);
    }
    let uniformBytes: Uint8Array | null = null;
    queue.writeBuffer = ((
      buffer: GPUBuffer,
      offset: number,
      data: ArrayBuffer,
      dataOffset = 0,
      size?: number,
    ) => {
      const bytes = new Uint8Array(data, dataOffset, size ?? data.byteLength - dataOffset);
      uniformBytes = bytes.slice();
      return writeBuffer.call(queue, buffer, offset, data, dataOffset, size);
    }) as typeof queue.writeBuffer;
    try {
      original.call(backend, program, output, inputs, uniforms);
    } finally {
      queue.writeBuffer = writeBuffer;
    }
    if (!uniformBytes) throw new Error(`no uniforms recorded for ${program.shaderKey}`);
    written.add(output.dataId);
    for (const id of writes) written.add(id);
    capture.bytes.set(output.dataId, sizeOf(output.dataId).size);
    capture.dispatches.push({
      pipeline: program.pipeline,
      workgroups: [...program.dispatch],
      uniforms: uniformBytes,
      output: output.dataId,
      inputs: inputs.map((i) => i.dataId),
      writes,
      name: program.labKernel ?? program.shaderKey.split('_')[0],
      ...(program.labSplitKSum ? { splitKSum: program.labSplitKSum } : {}),
    });
  };
  const forward = tf.env().getBool('WEBGPU_CPU_FORWARD');
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  try {
    return { result: f(), capture };
  } finally {
    tf.env().set('WEBGPU_CPU_FORWARD', forward);
    // Put back exactly what was there (a counter's wrapper, or the prototype's method).
    if (own) backend.recordAndSubmit = original;
    else delete (backend as Partial<WebGpuBackendInternals>).recordAndSubmit;
  }
}
