/**
 * The reverse process on WebGPU as compiled dispatch lists, like the training step
 * (`training/compiled/`): the model's tfjs forward at the sampling batch is captured once per
 * (model, batch), its values placed in liveness-shared slots, its bind groups made once (remade
 * only when a variable's buffer changes, e.g. after training moved the weights). A run uploads the
 * diffusion core's coefficients of every step once as a table; each step is then one 16-byte
 * `writeBuffer` (key, first image, step index), one compute pass (t, the forward per batch chunk,
 * the scheduler update with clipping and noise drawn on the GPU) and one submit. A recorded
 * step's x_t, x̂₀, ε̂ are copied into a ring of staging buffers and read back while later steps
 * run; only the frames the run records are read, plus the final images.
 */
import * as tf from '@tensorflow/tfjs';
import { sampleKeyWords } from '../../random/draws';
import {
  bufferOf,
  flushTfjs,
  webGpuBackend,
  type WebGpuBackendInternals,
} from '../../training/compiled/backend';
import { captureDispatches, type Capture } from '../../training/compiled/capture';
import { planStep, type StepPlan } from '../../training/compiled/plan';
import * as replay from '../../training/compiled/replay';
import type { ReplayDispatch } from '../../training/compiled/replay';
import type { ImageShape } from '../frames';
import {
  SampleCancelledError,
  frameOf,
  isRecorded,
  nextMacrotask,
  resultOf,
  type DenoisingModel,
  type RunPlan,
  type SampleHooks,
  type SampleResult,
} from '../run';
import {
  FILL_T_WGSL,
  INFO_BYTES,
  WG,
  chunkCopyWgsl,
  initWgsl,
  packCoefficients,
  updateWgsl,
} from './kernels';

/** Staging buffers for frames: a frame is read back while up to this many later ones are queued. */
const FRAME_RING = 3;
/** Steps queued ahead of the GPU: enough to keep it busy while the host encodes, few enough to cancel promptly. */
const STEPS_AHEAD = 2;

/** A model the compiled sampler can run: one that lists the variables its forward reads. */
type CompilableModel = DenoisingModel & { variables(): tf.Variable[] };

/** What a run reports besides its result (for tests and the bench). */
export interface CompiledRunStats {
  /** Buffers mapped for reading: one per recorded frame, one for the final images. */
  readbacks: number;
  /** Bytes the host wrote per step. */
  uploadBytesPerStep: number;
}

const storage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** The captured forward of one model at one chunk size, and how to run a whole reverse process with it. */
export class CompiledSampler {
  /** Dispatches of one forward (the captured U-Net at the chunk batch). */
  readonly forwardDispatches: number;
  /** Activation bytes with and without liveness sharing. */
  readonly slotBytes: number;
  readonly unsharedBytes: number;
  /** What the last run did (see {@link CompiledRunStats}). */
  lastRun: CompiledRunStats | null = null;
  private readonly device: GPUDevice;
  private readonly buffers: GPUBuffer[] = [];
  private readonly xChunk: GPUBuffer;
  private readonly tChunk: GPUBuffer;
  private readonly capture: Capture;
  private readonly bindingOf: (id: object) => GPUBufferBinding;
  private readonly uniforms: GPUBufferBinding[];
  private readonly varIndex: Map<object, number>;
  /** The forward's output (a slot kept alive to the end of the forward). */
  private readonly outputBinding: GPUBufferBinding;
  /** The variables the forward is bound to, as of the last `bindWeights`. */
  private boundVars: tf.Variable[] = [];
  private boundIds: object[] = [];
  private forward: ReplayDispatch[] = [];
  private readonly init: GPUComputePipeline;
  private readonly update: GPUComputePipeline;
  private readonly fillT: GPUComputePipeline;
  private readonly gather: GPUComputePipeline;
  private readonly scatter: GPUComputePipeline;
  private readonly per: number;

  constructor(
    private readonly backend: WebGpuBackendInternals,
    private readonly model: CompilableModel,
    /** Images per model call. */
    readonly chunk: number,
    shape: Omit<ImageShape, 'numImages'>,
  ) {
    const device = (this.device = backend.device);
    const { height: H, width: W, channels: C } = shape;
    this.per = H * W * C;
    const make = (size: number) => {
      const b = device.createBuffer({ size: Math.max(size, 16), usage: storage() });
      this.buffers.push(b);
      return b;
    };
    // Capture the forward once, on placeholders for x_t and t and the model's own variables.
    const vars = model.variables();
    this.varIndex = new Map(vars.map((v, i) => [v.dataId, i]));
    const [xT, tT] = [tf.zeros([chunk, H, W, C]) as tf.Tensor4D, tf.zeros([chunk]) as tf.Tensor1D];
    for (const t of [xT, tT, ...vars]) bufferOf(backend, t);
    const externals = new Set<object>([xT.dataId, tT.dataId, ...this.varIndex.keys()]);
    let output: tf.Tensor4D | null = null;
    try {
      const captured = captureDispatches(backend, externals, () => model.apply(xT, tT, { training: false }));
      output = captured.result;
      this.capture = captured.capture;
    } finally {
      tf.dispose([xT, tT]);
    }
    const { capture } = this;
    for (const c of capture.constants.values()) this.buffers.push(c);
    const outputId = output.dataId;
    let plan: StepPlan<object>;
    try {
      plan = planStep(
        capture.dispatches,
        capture.bytes,
        externals,
        new Set(capture.constants.keys()),
        [],
        [outputId],
      );
    } catch (e) {
      // Nothing of a sampler that cannot be built stays allocated (the tfjs loop runs instead).
      tf.dispose(output);
      this.dispose();
      throw e;
    }
    this.xChunk = make(4 * chunk * this.per);
    this.tChunk = make(4 * chunk);
    const slots = plan.slotBytes.map((bytes) => make(bytes));
    this.slotBytes = plan.slotBytes.reduce((a, b) => a + b, 0);
    this.unsharedBytes = plan.unsharedBytes;
    this.bindingOf = (id: object): GPUBufferBinding => {
      const p = plan.placement.get(id);
      const size = capture.bytes.get(id) ?? 4;
      if (p?.kind === 'slot') return { buffer: slots[p.slot], offset: 0, size };
      if (p?.kind === 'constant') return { buffer: capture.constants.get(id) as GPUBuffer };
      if (id === xT.dataId) return { buffer: this.xChunk, size: 4 * chunk * this.per };
      if (id === tT.dataId) return { buffer: this.tChunk, size: 4 * chunk };
      const v = this.varIndex.get(id);
      if (p?.kind !== 'external' || v === undefined)
        throw new Error('the compiled sampler has no place for a captured value');
      return { buffer: bufferOf(this.backend, this.boundVars[v]) };
    };
    const packed = replay.packUniforms(device, capture.dispatches);
    this.buffers.push(packed.buffer);
    this.uniforms = packed.bindings;
    this.outputBinding = this.bindingOf(outputId);
    tf.dispose(output);
    this.init = replay.labPipeline(device, initWgsl(this.per));
    this.update = replay.labPipeline(device, updateWgsl(this.per));
    this.fillT = replay.labPipeline(device, FILL_T_WGSL);
    this.gather = replay.labPipeline(device, chunkCopyWgsl('gather'));
    this.scatter = replay.labPipeline(device, chunkCopyWgsl('scatter'));
    this.bindWeights();
    this.forwardDispatches = this.forward.length;
  }

  /**
   * Binds the forward to the variables' current buffers when any changed since the last time
   * (a variable's assign gives it new data, so its old buffer may serve another tensor).
   */
  private bindWeights(): void {
    const vars = this.model.variables();
    const ids = vars.map((v) => v.dataId);
    if (ids.length === this.boundIds.length && ids.every((id, i) => id === this.boundIds[i])) return;
    // Captured ids stand for variable indices; the binding reads the variable's current buffer.
    this.boundVars = vars;
    this.forward = replay.bindCaptured(this.device, this.capture.dispatches, this.uniforms, this.bindingOf);
    this.boundIds = ids;
  }

  /**
   * Runs the planned reverse process; image i draws the seed's noise of image `first + i`.
   * Throws SampleCancelledError when `hooks.signal` is aborted (after the queued steps finish).
   */
  async run(plan: RunPlan, first: number, hooks: SampleHooks): Promise<SampleResult> {
    const { device, backend } = this;
    const { steps, shape } = plan;
    const total = shape.numImages * this.per;
    if (Math.ceil(total / WG) > device.limits.maxComputeWorkgroupsPerDimension)
      throw new RangeError(`${total} sample values exceed one dispatch of this GPU`);
    const owned: GPUBuffer[] = [];
    const make = (size: number, usage = storage()) => {
      const b = device.createBuffer({ size: Math.max(size, 16), usage });
      owned.push(b);
      return b;
    };
    const x = make(4 * total);
    const m = make(4 * total);
    const frameBytes = plan.frameCount > 0 ? 12 * total : 16;
    const frame = make(frameBytes);
    const info = make(INFO_BYTES, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
    const coefficients = packCoefficients(plan);
    const coeffs = make(coefficients.byteLength);
    device.queue.writeBuffer(coeffs, 0, coefficients);
    const read = GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST;
    const ring = Array.from({ length: Math.min(FRAME_RING, plan.frameCount) }, () => make(frameBytes, read));
    const final = make(4 * total, read);

    const groups = (n: number): [number, number, number] => [Math.ceil(n / WG), 1, 1];
    const bind = (pipeline: GPUComputePipeline, entries: GPUBufferBinding[], n: number, name: string) =>
      replay.bindDispatch(device, pipeline, entries, groups(n), name);
    // x and m bound with the run's size: the kernels take the number of values from it.
    const [xs, ms] = [
      { buffer: x, size: 4 * total },
      { buffer: m, size: 4 * total },
    ];
    const init = bind(this.init, [xs, { buffer: info }], total, 'LabSampleInit');
    const update = bind(
      this.update,
      [xs, ms, { buffer: frame }, { buffer: info }, { buffer: coeffs }],
      total,
      'LabSampleUpdate',
    );
    const fillT = bind(
      this.fillT,
      [{ buffer: this.tChunk, size: 4 * this.chunk }, { buffer: info }, { buffer: coeffs }],
      this.chunk,
      'LabSampleT',
    );
    const chunkValues = this.chunk * this.per;
    const chunks: { gather: ReplayDispatch; scatter: ReplayDispatch }[] = [];
    for (let start = 0; start < shape.numImages; start += this.chunk) {
      const range = make(8);
      const count = Math.min(this.chunk, shape.numImages - start) * this.per;
      device.queue.writeBuffer(range, 0, new Uint32Array([start * this.per, count]));
      chunks.push({
        gather: bind(
          this.gather,
          [{ buffer: this.xChunk, size: 4 * chunkValues }, xs, { buffer: range }],
          chunkValues,
          'LabSampleGather',
        ),
        scatter: bind(this.scatter, [ms, this.outputBinding, { buffer: range }], count, 'LabSampleScatter'),
      });
    }

    const infoWords = new Uint32Array(INFO_BYTES / 4);
    infoWords.set([...sampleKeyWords(plan.o.seed), first, 0]);
    const inFlight: Promise<void>[] = [];
    const ringBusy: (Promise<void> | null)[] = ring.map(() => null);
    let frames: Promise<void> = Promise.resolve();
    let ringNext = 0;
    let readbacks = 0;
    let failure: unknown = null;
    const mapped = (buffer: GPUBuffer, bytes: number): Promise<Float32Array> => {
      readbacks++;
      return buffer.mapAsync(GPUMapMode.READ, 0, bytes).then(() => {
        const values = new Float32Array(buffer.getMappedRange(0, bytes).slice(0));
        buffer.unmap();
        return values;
      });
    };
    const submit = (i: number | null) => {
      flushTfjs(backend);
      this.bindWeights();
      infoWords[3] = i ?? 0;
      device.queue.writeBuffer(info, 0, infoWords);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      if (i === null) replay.encodeDispatches(pass, [init]);
      else {
        const list: ReplayDispatch[] = [];
        if (!(plan.reuseLastOutput && i === steps.length - 1)) {
          list.push(fillT);
          for (const c of chunks) list.push(c.gather, ...this.forward, c.scatter);
        }
        list.push(update);
        replay.encodeDispatches(pass, list);
      }
      pass.end();
      let staging: GPUBuffer | null = null;
      if (i !== null && isRecorded(plan, i)) {
        staging = ring[ringNext];
        encoder.copyBufferToBuffer(frame, 0, staging, 0, frameBytes);
      }
      device.queue.submit([encoder.finish()]);
      return staging;
    };

    try {
      submit(null);
      for (let i = 0; i < steps.length; i++) {
        if (hooks.signal?.aborted) {
          // The queued steps finish and report their progress before the run says it stopped.
          await Promise.all(inFlight);
          throw new SampleCancelledError(i, steps.length);
        }
        // A ring slot is written again only once its frame has been delivered.
        if (isRecorded(plan, i)) await ringBusy[ringNext];
        const staging = submit(i);
        if (staging) {
          const values = mapped(staging, frameBytes);
          const delivered = (frames = Promise.all([frames, values]).then(([, v]) => {
            hooks.onFrame?.(frameOf(plan, i, v));
          }));
          delivered.catch((e: unknown) => (failure ??= e));
          ringBusy[ringNext] = delivered;
          ringNext = (ringNext + 1) % ring.length;
        }
        inFlight.push(device.queue.onSubmittedWorkDone().then(() => hooks.onProgress?.(i + 1, steps.length)));
        if (inFlight.length > STEPS_AHEAD) await inFlight.shift();
        if (failure) throw failure;
        await nextMacrotask();
      }
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(x, 0, final, 0, 4 * total);
      device.queue.submit([encoder.finish()]);
      const [values] = await Promise.all([mapped(final, 4 * total), frames, ...inFlight]);
      this.lastRun = { readbacks, uploadBytesPerStep: INFO_BYTES };
      return resultOf(plan, values, 'compiled');
    } finally {
      // Nothing queued may outlive the buffers it uses.
      await Promise.allSettled([frames, ...inFlight, device.queue.onSubmittedWorkDone()]);
      for (const b of owned) b.destroy();
    }
  }

  /** Frees every buffer the sampler made (tfjs' pipelines stay in its cache); it is built anew when next needed. */
  dispose(): void {
    if (built?.sampler === this) built = null;
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
  }

  /** Dispatches of one reverse step of a run of `numImages` images (t, per chunk gather + forward + scatter, update). */
  dispatchesPerStep(numImages: number): number {
    return 2 + Math.ceil(numImages / this.chunk) * (this.forwardDispatches + 2);
  }

  /** Dispatch counts by kernel of one forward. */
  kernelCounts(): Map<string, number> {
    return replay.countKernels([this.forward]);
  }
}

/**
 * The sampler last built: one at a time, so at most one forward's activation slots stay
 * allocated between runs (another model, chunk size or image size replaces it).
 */
let built: { model: DenoisingModel; key: string; sampler: CompiledSampler } | null = null;

/**
 * The compiled sampler for `model` at this run's chunk size, built on first use; null where the
 * compiled loop does not apply (not WebGPU, a model that lists no variables) or could not be
 * built (the tfjs loop then runs, and the reason is logged).
 */
export function compiledSamplerFor(
  model: DenoisingModel,
  shape: ImageShape,
  maxBatch: number,
): CompiledSampler | null {
  if (tf.getBackend() !== 'webgpu' || typeof model.variables !== 'function') return null;
  const chunk = Math.min(maxBatch, shape.numImages);
  const key = `${chunk}:${shape.height}x${shape.width}x${shape.channels}`;
  if (built?.model === model && built.key === key) return built.sampler;
  built?.sampler.dispose();
  try {
    const sampler = new CompiledSampler(webGpuBackend(), model as CompilableModel, chunk, shape);
    built = { model, key, sampler };
    return sampler;
  } catch (e) {
    console.warn(`sampling runs the tfjs loop: the compiled sampler could not be built (${String(e)})`);
    return null;
  }
}
