/**
 * A `node-null` case inside its process: one path of the lab's training step on Dawn's Null
 * backend (full WebGPU validation, no GPU work, so what is left is the host's cost), either tfjs
 * op by op or the compiled step and its replay (the same dispatch list submitted alone), sampled
 * in turn. Per step of each timed sample it measures the main thread's CPU time (`/proc/thread-self/schedstat`), the
 * compute dispatches encoded, the values drawn by the host's Philox draws (`hostDraws`) and the
 * bytes given to the GPU (`GPUQueue.writeBuffer` and tfjs' uploads of tensor data). The counters
 * are wrappers (an increment per call) present in every timed step of every path alike.
 * Each path runs in its own process (bench/run.ts): Dawn's Null device holds at most 512 MiB.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostDraws } from '../../src/random/draws';
import { webGpuBackend, type WebGpuBackendInternals } from '../../src/training/compiled/backend';
import type { Trainer } from '../../src/training/trainer';
import { NULL_DEVICE_BYTES } from '../lib/plan';
import type { BenchEvent, EnvSpec, HostPath, HostStep } from '../lib/types';
import { createTrainer } from './trainStep';

const SCHEDSTAT = '/proc/thread-self/schedstat';

/** Main-thread CPU nanoseconds so far: the first field of the thread's schedstat. */
function threadCpuNs(): number {
  return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]);
}

/** Totals since the meter was installed. */
type Totals = Omit<HostStep, 'cpuMs' | 'repeats'>;

/** Counts dispatches and uploaded bytes by wrapping the WebGPU and tfjs methods that do them. */
function installMeter(backend: WebGpuBackendInternals): () => Totals {
  let dispatches = 0;
  let uploadBytes = 0;
  const pass = GPUComputePassEncoder.prototype;
  const dispatch = pass.dispatchWorkgroups;
  pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args) {
    dispatches++;
    return dispatch.apply(this, args);
  };
  const queue = GPUQueue.prototype;
  const writeBuffer = queue.writeBuffer as (...a: unknown[]) => undefined;
  queue.writeBuffer = function (
    this: GPUQueue,
    buffer: GPUBuffer,
    offset: number,
    data: BufferSource,
    dataOffset = 0,
    size?: number,
  ) {
    // Typed arrays count dataOffset and size in elements, ArrayBuffers in bytes.
    const unit = ArrayBuffer.isView(data) ? ((data as Partial<Float32Array>).BYTES_PER_ELEMENT ?? 1) : 1;
    uploadBytes += size !== undefined ? size * unit : data.byteLength - dataOffset * unit;
    return writeBuffer.call(this, buffer, offset, data, dataOffset, size);
  } as typeof queue.writeBuffer;
  // tfjs copies tensor data made on the host (tf.tensor(values)) into a buffer at first use.
  const tfjs = backend as unknown as {
    uploadToGPU(id: object): void;
    tensorMap: {
      get(id: object): { resource?: unknown; values?: ArrayLike<number> | null; shape: number[] };
    };
  };
  const upload = tfjs.uploadToGPU;
  tfjs.uploadToGPU = function (this: unknown, id: object) {
    const data = tfjs.tensorMap.get(id);
    if (data.resource == null && data.values != null)
      uploadBytes += 4 * data.shape.reduce((a, b) => a * b, 1);
    upload.call(this, id);
  };
  return () => ({ dispatches, randomValues: hostDraws.values, uploadBytes });
}

/**
 * Main-thread CPU time a sample spans at least: the thread's schedstat clock advances only at
 * scheduler ticks and switches (1–4 ms), so a short step is repeated until its sample is long.
 */
const MIN_SAMPLE_MS = 200;

/** One timed sample of `step`: what the host did per step during it. */
async function sample(step: () => Promise<unknown>, totals: () => Totals): Promise<HostStep> {
  const before = totals();
  const start = threadCpuNs();
  let repeats = 0;
  let ns = 0;
  do {
    await step();
    repeats++;
    ns = threadCpuNs() - start;
  } while (ns < MIN_SAMPLE_MS * 1e6);
  const after = totals();
  return {
    repeats,
    cpuMs: ns / 1e6 / repeats,
    dispatches: (after.dispatches - before.dispatches) / repeats,
    randomValues: (after.randomValues - before.randomValues) / repeats,
    uploadBytes: (after.uploadBytes - before.uploadBytes) / repeats,
  };
}

/**
 * One optimiser step. The Null backend computes nothing, so what a step reads back is whatever the
 * buffer held: the tfjs path must read a finite loss (else it skips the update and times less);
 * the compiled step encodes and submits the same list whatever its statistics say.
 */
async function trainStep(trainer: Trainer, path: HostPath): Promise<void> {
  const report = await trainer.trainStep();
  if (path === 'tfjs' && 'nonFinite' in report)
    throw new Error(`step ${report.step} read a non-finite loss (${report.loss}) and skipped its update`);
}

/** Runs `spec.hostPath` of `spec.preset` on the current (Null) WebGPU backend and emits its `host` events. */
export async function runHostCost(
  spec: EnvSpec,
  device: string,
  emit: (e: BenchEvent) => void,
): Promise<void> {
  if (!existsSync(SCHEDSTAT)) throw new Error(`host cost needs Linux's ${SCHEDSTAT} (per-thread CPU time)`);
  const path = spec.hostPath ?? 'compiled';
  const gpuErrors = recordGpuErrors(webGpuBackend().device);
  const trainer = createTrainer(
    spec.preset,
    spec.batch,
    spec.seed,
    { compiled: path === 'compiled' },
    spec.widthDivisor,
  );
  try {
    emit({ type: 'env', device, parameters: trainer.model.parameterCount() });
    if (trainer.usesCompiledStep() !== (path === 'compiled'))
      throw new Error(
        `the trainer ${path === 'compiled' ? 'does not use' : 'uses'} the compiled step for ${spec.preset}`,
      );
    const totals = installMeter(webGpuBackend());
    const step = () => trainStep(trainer, path);
    // The first step compiles every shader (and, compiled, captures the tfjs step and builds the list).
    for (let i = 0; i <= spec.warmup; i++) await step();
    if (gpuErrors.length > 0) throw new Error('WebGPU reported an error in the first step');
    if (path === 'tfjs') {
      const steps: HostStep[] = [];
      for (let i = 0; i < spec.steps; i++) steps.push(await sample(step, totals));
      emit({ type: 'host', path, batch: spec.batch, steps });
    } else await measureCompiled(trainer, spec, step, totals, emit);
    // A step that failed validation encodes less than a real one: its numbers would flatter.
    if (gpuErrors.length > 0) throw new Error('WebGPU reported an error during the timed steps');
  } catch (e) {
    throw new Error(explain(e, gpuErrors, trainer.model.parameterCount()), { cause: e });
  } finally {
    trainer.dispose();
  }
  emit({ type: 'done' });
}

/**
 * Samples of the compiled step and of its replay, taken in turn so that both see the same load
 * on a shared machine (the ratio is the target); the replay repeats the last step's list, which
 * on the Null backend computes nothing.
 */
async function measureCompiled(
  trainer: Trainer,
  spec: EnvSpec,
  step: () => Promise<void>,
  totals: () => Totals,
  emit: (e: BenchEvent) => void,
): Promise<void> {
  const compiled = trainer.compiledStep();
  const replay = () => compiled.replay();
  await replay();
  const steps: HostStep[] = [];
  const replays: HostStep[] = [];
  for (let i = 0; i < spec.steps; i++) {
    steps.push(await sample(step, totals));
    replays.push(await sample(replay, totals));
  }
  if (replays.some((r) => r.dispatches !== compiled.dispatchesPerStep))
    throw new Error(
      `the replay encoded other than the compiled step's ${compiled.dispatchesPerStep} dispatches`,
    );
  emit({
    type: 'host',
    path: 'compiled',
    batch: spec.batch,
    steps,
    buffers: { activationBytes: compiled.slotBytes, unsharedActivationBytes: compiled.unsharedBytes },
    kernels: Object.fromEntries([...compiled.kernelCounts].sort((a, b) => b[1] - a[1])),
  });
  emit({ type: 'host', path: 'replay', batch: spec.batch, steps: replays });
}

/** The first line of the first WebGPU error nobody captured (Dawn would only print it): the cause of what follows. */
function recordGpuErrors(device: GPUDevice): string[] {
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (e) => {
    if (errors.length === 0) errors.push((e as GPUUncapturedErrorEvent).error.message.split('\n')[0].trim());
  });
  return errors;
}

/**
 * Why a path failed, in words: the error (a failed read says little: "OperationError"), the
 * first WebGPU errors behind it, and, after an out-of-memory, what the preset's weights, EMA and
 * two Adam moments alone take against the Null device's 512 MiB.
 */
function explain(e: unknown, gpuErrors: readonly string[], parameters: number): string {
  const message = e instanceof Error ? e.message || e.name : String(e);
  const parts = [message];
  if (gpuErrors.length > 0) parts.push(`first WebGPU error: ${gpuErrors[0]}`);
  if (gpuErrors.some((m) => /out of memory/i.test(m)))
    parts.push(
      `Dawn's Null device allocates at most ${NULL_DEVICE_BYTES / 2 ** 20} MiB; weights, EMA and Adam moments alone take ${Math.round((16 * parameters) / 2 ** 20)} MiB`,
    );
  return parts.join(' — ');
}
