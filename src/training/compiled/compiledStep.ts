/**
 * A whole optimiser step on WebGPU as one static list of dispatches over preallocated buffers.
 * Built once per (config, batch): the tfjs step (GPU batch, forward, loss, backward) runs once
 * under `captureDispatches`, `planStep` places every value (weights as slices of one flat
 * parameter buffer, gradients written in place into one flat gradient buffer, activations in
 * liveness-shared slots; the split-K sums of the gradients merged into a few dispatches,
 * splitKSums.ts), and pipelines (tfjs' own, from its cache), uniform bytes and bind groups are
 * made once. The norm (two stages), the statistics and clip + Adam + EMA (one dispatch,
 * skipped on the GPU when the loss or norm is not finite) follow. Each step is then one
 * `writeBuffer` (draw key, batch indices, hyper-parameters), one compute pass, one copy of the
 * statistics into a staging buffer of a ring, and one submit. Individual dispatches are the
 * captured tfjs/lab kernels, so a better conv kernel registered with tfjs is picked up on the
 * next build.
 */
import * as tf from '@tensorflow/tfjs';
import { bufferOf, flushTfjs, releasePooledBuffers, type WebGpuBackendInternals } from './backend';
import { captureDispatches, type CapturedDispatch } from './capture';
import {
  COPY_WGSL,
  finalizeWgsl,
  HYPER_FIELDS,
  normPartialWgsl,
  PIECE_FIELDS,
  STATS_HEADER,
  WG,
  splitKSumsWgsl,
  updateWgsl,
} from './kernels';
import { planStep, type PlanDispatch, type StepPlan } from './plan';
import { mergeSplitKSums, type MergedSums } from './splitKSums';
import {
  bindCaptured,
  bindDispatch,
  countKernels,
  encodeDispatches,
  labPipeline,
  packUniforms,
  type ReplayDispatch,
} from './replay';

/**
 * What the captured function returns: the loss, per-example losses, t and one gradient per
 * parameter (none for the grouped ones), and the grouped stand-in's gradient.
 */
export interface TracedStep {
  loss: tf.Scalar;
  perExample: tf.Tensor1D;
  t: tf.Tensor1D;
  grads: (tf.Tensor | undefined)[];
  groupedGrad?: tf.Tensor;
}

/**
 * Variables the step reads as one range of the flat parameters (every resnet's time projection,
 * see model/timeProjections.ts): the range's length and each member's offset in it, by index in
 * `vars`. The trace gets a stand-in variable of that length, bound to the range.
 */
export interface GroupedParams {
  length: number;
  members: ReadonlyMap<number, number>;
}

/** The values one step's hyper-parameters take (float64 on the host, float32 on the GPU). */
export type Hyper = Record<(typeof HYPER_FIELDS)[number], number>;

/** What the GPU reports of a step. */
export interface CompiledStats {
  loss: number;
  gradNorm: number;
  finite: boolean;
  perExampleLoss: Float32Array;
  t: Int32Array;
}

const ALIGN = 256;
const alignUp = (n: number, a = ALIGN) => Math.ceil(n / a) * a;
/** Staging buffers in the statistics ring: a step's statistics may be read while the next runs. */
const RING = 3;
/**
 * A group of merged split-K sums keeps its partial products alive until its one dispatch: at most
 * this fraction of the step's activation memory (without merging) per group, so merging costs at
 * most about that much memory.
 */
const MERGE_BUDGET = 0.25;

export interface CompiledStepOptions {
  backend: WebGpuBackendInternals;
  /** The trainable variables, in the optimiser's order. */
  vars: readonly tf.Variable[];
  batch: number;
  ema: boolean;
  grouped: GroupedParams;
  /**
   * The tfjs step to capture, given the per-step inputs (int32 indices [B], int32 key [3]) and
   * the grouped parameters' stand-in.
   */
  trace: (indices: tf.Tensor1D, key: tf.Tensor1D, grouped: tf.Variable) => TracedStep;
}

let standIns = 0;

export class CompiledStep {
  /** Dispatches in one step (captured + gradient copies + norm, statistics, update). */
  readonly dispatchesPerStep: number;
  /** Dispatch counts by kernel, for the bench. */
  readonly kernelCounts: ReadonlyMap<string, number>;
  /** Activation bytes with and without liveness sharing (the merged sums' partial products included). */
  readonly slotBytes: number;
  readonly unsharedBytes: number;
  /** Activation bytes without merging split-K sums (what merging costs: slotBytes − this). */
  readonly unmergedSlotBytes: number;
  /** Floats of each flat buffer (parameters padded to 64 floats each, for binding alignment). */
  readonly flatLength: number;
  private readonly offsets: number[];
  private readonly device: GPUDevice;
  private readonly buffers: GPUBuffer[] = [];
  private readonly params: GPUBuffer;
  private readonly m: GPUBuffer;
  private readonly v: GPUBuffer;
  private readonly average: GPUBuffer | null;
  private readonly grads: GPUBuffer;
  private readonly stepBuffer: GPUBuffer;
  private readonly stepBytes: ArrayBuffer;
  private readonly layout: { indices: number; hyper: number };
  private readonly stats: GPUBuffer;
  private readonly statsBytes: number;
  private readonly ring: GPUBuffer[] = [];
  private ringNext = 0;
  private readonly dispatches: ReplayDispatch[] = [];

  constructor(private readonly opts: CompiledStepOptions) {
    const { backend, vars, batch } = opts;
    this.device = backend.device;
    const device = this.device;
    const limits = device.limits;
    // Parameter slices start at 256-byte boundaries so each can be bound alone; the grouped ones
    // lie together in their range (which starts at such a boundary) as its layout says.
    const { grouped } = opts;
    this.offsets = [];
    let n = 0;
    let groupStart = -1;
    vars.forEach((v, p) => {
      const inGroup = grouped.members.get(p);
      if (inGroup === undefined) {
        this.offsets.push(n);
        n += alignUp(v.size, ALIGN / 4);
        return;
      }
      if (groupStart < 0) {
        groupStart = n;
        n += alignUp(grouped.length, ALIGN / 4);
      }
      this.offsets.push(groupStart + inGroup);
    });
    this.flatLength = n;
    const flatBytes = 4 * n;
    if (flatBytes > limits.maxStorageBufferBindingSize || flatBytes > limits.maxBufferSize)
      throw new Error(
        `the model's ${n.toLocaleString('en-US')} parameters (${(flatBytes / 2 ** 20).toFixed(0)} MB as one flat buffer) exceed this GPU's storage binding limit of ${(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 2 ** 20).toFixed(0)} MB; choose a smaller model`,
      );
    // (GPUBufferUsage exists only where WebGPU does: not read at module load.)
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (size: number, usage = storage) => {
      const b = device.createBuffer({ size: Math.max(size, 4), usage });
      this.buffers.push(b);
      return b;
    };

    // Capture the tfjs step once, with placeholders for the per-step inputs.
    const indicesT = tf.tensor1d(new Int32Array(batch), 'int32');
    const keyT = tf.tensor1d(new Int32Array(3), 'int32');
    const zeros = tf.zeros([Math.max(grouped.length, 1)]);
    const groupT = tf.variable(zeros, true, `compiledStep${standIns++}/grouped`);
    zeros.dispose();
    const varIds = new Map<object, number>(vars.map((v, i) => [v.dataId, i]));
    const externals = new Set<object>([indicesT.dataId, keyT.dataId, groupT.dataId, ...varIds.keys()]);
    bufferOf(backend, indicesT);
    bufferOf(backend, keyT);
    bufferOf(backend, groupT);
    const { result, capture } = captureDispatches(backend, externals, () =>
      opts.trace(indicesT, keyT, groupT),
    );
    // The captured step's intermediates sit in tfjs' pool: free them before this step's own buffers.
    releasePooledBuffers(backend);
    this.params = make(flatBytes);
    this.m = make(flatBytes);
    this.v = make(flatBytes);
    this.average = opts.ema ? make(flatBytes) : null;
    const grads = make(flatBytes);
    this.grads = grads;
    // The per-step buffer: key words, batch indices, hyper-parameters, each at a binding boundary.
    this.layout = { indices: ALIGN, hyper: ALIGN + alignUp(4 * batch) };
    this.stepBytes = new ArrayBuffer(this.layout.hyper + 4 * HYPER_FIELDS.length);
    this.stepBuffer = make(this.stepBytes.byteLength);
    const keep = [result.loss.dataId, result.perExample.dataId, result.t.dataId];
    // Where each gradient goes in the flat buffer: every ungrouped parameter's, then the group's.
    const targets: { value: object; offset: number; size: number }[] = [];
    vars.forEach((v, p) => {
      if (grouped.members.has(p)) return;
      const g = result.grads[p];
      if (!g) throw new Error(`the traced step has no gradient for ${v.name}`);
      targets.push({ value: g.dataId, offset: this.offsets[p], size: v.size });
    });
    if (grouped.members.size > 0) {
      if (!result.groupedGrad) throw new Error('the traced step has no gradient for the grouped parameters');
      targets.push({ value: result.groupedGrad.dataId, offset: groupStart, size: grouped.length });
    }
    // The split-K sums whose results are gradients leave the list in groups of one dispatch each.
    const gradIds = targets.map((g) => g.value);
    const constants = new Set(capture.constants.keys());
    const unmerged = planStep(capture.dispatches, capture.bytes, externals, constants, gradIds, keep);
    const total = (plan: StepPlan<object>) => plan.slotBytes.reduce((a, b) => a + b, 0);
    this.unmergedSlotBytes = total(unmerged);
    const sumGroups = mergeSplitKSums(
      capture.dispatches,
      new Set(gradIds),
      (id) => capture.bytes.get(id) ?? 0,
      MERGE_BUDGET * this.unmergedSlotBytes,
      () => ({}),
    );
    const merged = new Set(sumGroups.flatMap((g) => g.merged));
    const groupAt = new Map(sumGroups.map((g) => [g.position, g]));
    // The list in order: the captured dispatches left, each group's dispatch at its position.
    const order: (CapturedDispatch | MergedSums<object>)[] = [];
    capture.dispatches.forEach((d, i) => {
      const g = groupAt.get(i);
      if (g) order.push(g);
      if (!merged.has(i)) order.push(d);
    });
    const last = groupAt.get(capture.dispatches.length);
    if (last) order.push(last);
    const isGroup = (e: CapturedDispatch | MergedSums<object>): e is MergedSums<object> => 'pieces' in e;
    const bytes = new Map(capture.bytes);
    for (const g of sumGroups) bytes.set(g.whole, g.bytes);
    const plan: StepPlan<object> = planStep(
      order.map((e): PlanDispatch<object> => (isGroup(e) ? e.dispatch : e)),
      bytes,
      externals,
      constants,
      gradIds,
      keep,
      new Map(sumGroups.flatMap((g) => [...g.parts])),
    );
    const slots = plan.slotBytes.map((b) => make(b));
    this.slotBytes = total(plan);
    this.unsharedBytes = plan.unsharedBytes;
    const bytesOf = (id: object) => bytes.get(id) ?? 4;
    const bindingOf = (id: object): GPUBufferBinding => {
      const p = plan.placement.get(id);
      if (!p) throw new Error('the compiled step has no place for a captured value');
      switch (p.kind) {
        case 'slot':
          return { buffer: slots[p.slot], offset: 0, size: bytesOf(id) };
        case 'part':
          return { buffer: slots[p.slot], offset: p.offset, size: bytesOf(id) };
        case 'grad':
          return { buffer: grads, offset: 4 * targets[p.param].offset, size: bytesOf(id) };
        case 'constant':
          return { buffer: capture.constants.get(id) as GPUBuffer };
        case 'external': {
          if (id === indicesT.dataId)
            return { buffer: this.stepBuffer, offset: this.layout.indices, size: 4 * batch };
          if (id === keyT.dataId) return { buffer: this.stepBuffer, offset: 0, size: 12 };
          if (id === groupT.dataId)
            return { buffer: this.params, offset: 4 * groupStart, size: 4 * grouped.length };
          const param = varIds.get(id) as number;
          return { buffer: this.params, offset: 4 * this.offsets[param], size: 4 * vars[param].size };
        }
      }
    };
    for (const c of capture.constants.values()) this.buffers.push(c);

    const kept = capture.dispatches.filter((_, i) => !merged.has(i));
    const uniforms = packUniforms(device, kept);
    this.buffers.push(uniforms.buffer);
    const replayed = bindCaptured(device, kept, uniforms.bindings, bindingOf);
    const sums = new Map<boolean, GPUComputePipeline>();
    let next = 0;
    for (const e of order) {
      if (!isGroup(e)) {
        this.dispatches.push(replayed[next++]);
        continue;
      }
      const { table, extra, threads } = this.sumsTable(e, plan, targets);
      const tableBuffer = make(table.byteLength);
      device.queue.writeBuffer(tableBuffer, 0, table);
      const groupCount = Math.ceil(threads / WG);
      const x = Math.min(groupCount, limits.maxComputeWorkgroupsPerDimension);
      let pipeline = sums.get(extra !== null);
      if (!pipeline) {
        pipeline = labPipeline(device, splitKSumsWgsl(extra !== null));
        sums.set(extra !== null, pipeline);
      }
      this.dispatches.push(
        bindDispatch(
          device,
          pipeline,
          [
            { buffer: grads },
            bindingOf(e.whole),
            { buffer: tableBuffer },
            ...(extra !== null ? [bindingOf(extra)] : []),
          ],
          [x, Math.ceil(groupCount / x), 1],
          'LabSplitKSums',
        ),
      );
    }
    const add = (
      pipeline: GPUComputePipeline,
      entries: GPUBufferBinding[],
      workgroups: [number, number, number],
      name: string,
    ) => this.dispatches.push(bindDispatch(device, pipeline, entries, workgroups, name));
    const pipeline = (code: string) => labPipeline(device, code);
    const copy = pipeline(COPY_WGSL);
    for (const { value, param } of plan.gradCopies) {
      const target = targets[param];
      const size = 4 * target.size;
      add(
        copy,
        [
          { buffer: grads, offset: 4 * target.offset, size },
          { ...bindingOf(value), size },
        ],
        [Math.ceil(target.size / WG), 1, 1],
        'LabCopy',
      );
    }
    const partialCount = Math.min(256, Math.ceil(n / WG));
    const partials = make(4 * partialCount);
    add(
      pipeline(normPartialWgsl()),
      [{ buffer: partials }, { buffer: grads }],
      [partialCount, 1, 1],
      'LabNormPartial',
    );
    this.statsBytes = 4 * (STATS_HEADER + 2 * batch);
    this.stats = make(this.statsBytes);
    add(
      pipeline(finalizeWgsl()),
      [
        { buffer: this.stats },
        { buffer: partials },
        bindingOf(result.loss.dataId),
        bindingOf(result.perExample.dataId),
        bindingOf(result.t.dataId),
      ],
      [1, 1, 1],
      'LabNormFinalize',
    );
    const groups = Math.ceil(n / WG);
    const x = Math.min(groups, limits.maxComputeWorkgroupsPerDimension);
    add(
      pipeline(updateWgsl(opts.ema)),
      [
        { buffer: this.params },
        { buffer: this.m },
        { buffer: this.v },
        { buffer: grads },
        { buffer: this.stats },
        { buffer: this.stepBuffer, offset: this.layout.hyper, size: 4 * HYPER_FIELDS.length },
        ...(this.average ? [{ buffer: this.average }] : []),
      ],
      [x, Math.ceil(groups / x), 1],
      'LabUpdate',
    );
    for (let i = 0; i < RING; i++)
      this.ring.push(make(this.statsBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
    this.dispatchesPerStep = this.dispatches.length;
    this.kernelCounts = countKernels([this.dispatches]);
    tf.dispose([indicesT, keyT, groupT, result.loss, result.perExample, result.t]);
    tf.dispose(result.grads.filter((g): g is tf.Tensor => g !== undefined));
    if (result.groupedGrad) result.groupedGrad.dispose();
    releasePooledBuffers(backend);
  }

  /**
   * A merged dispatch's table (kernels.ts' splitKSumsWgsl): each piece's first thread, length,
   * source in the group's partial products, stride, splits, and where it lands (a gradient's slice
   * of the flat buffer, or its window of the one value written in place, `extra`); and the
   * threads in all.
   */
  private sumsTable(
    merge: MergedSums<object>,
    plan: StepPlan<object>,
    targets: readonly { offset: number }[],
  ): { table: Int32Array<ArrayBuffer>; extra: object | null; threads: number } {
    const table = new Int32Array(merge.pieces.length * PIECE_FIELDS);
    let extra: object | null = null;
    let first = 0;
    merge.pieces.forEach((piece, k) => {
      const source = plan.placement.get(piece.partial);
      const into = plan.placement.get(piece.into);
      if (source?.kind !== 'part')
        throw new Error('a merged split-K sum reads partial products outside its group');
      let destination: [number, number];
      if (piece.inPlace) {
        extra ??= piece.into;
        if (extra !== piece.into || into?.kind !== 'slot')
          throw new Error('merged split-K sums write windows of more than one buffer');
        destination = [1, piece.offset];
      } else {
        if (into?.kind !== 'grad')
          throw new Error('a merged split-K sum has a result outside the flat gradient');
        destination = [0, targets[into.param].offset + piece.offset];
      }
      table.set(
        [first, piece.length, source.offset / 4 + piece.start, piece.stride, piece.splits, ...destination],
        k * PIECE_FIELDS,
      );
      first += piece.length;
    });
    return { table, extra, threads: first };
  }

  /** Copies the variables, the flat moments and the flat EMA (tfjs tensors, unpadded) in. */
  load(m: tf.Tensor1D, v: tf.Tensor1D, average: tf.Tensor1D | null): void {
    const { backend, vars } = this.opts;
    const flat = [
      [m, this.m],
      [v, this.v],
      ...(average && this.average ? [[average, this.average] as const] : []),
    ] as const;
    // Buffers first (an upload may be encoded by tfjs), then tfjs' queue out, then the copies.
    const sources = flat.map(([t]) => bufferOf(backend, t));
    const weights = vars.map((w) => bufferOf(backend, w));
    flushTfjs(backend);
    const encoder = this.device.createCommandEncoder();
    let unpadded = 0;
    vars.forEach((w, p) => {
      const bytes = 4 * w.size;
      encoder.copyBufferToBuffer(weights[p], 0, this.params, 4 * this.offsets[p], bytes);
      flat.forEach(([, dst], i) =>
        encoder.copyBufferToBuffer(sources[i], 4 * unpadded, dst, 4 * this.offsets[p], bytes),
      );
      unpadded += w.size;
    });
    this.device.queue.submit([encoder.finish()]);
  }

  /** Copies the given variables (by index) in again: someone assigned them outside the step. */
  loadWeights(changed: readonly number[]): void {
    const { backend, vars } = this.opts;
    const sources = changed.map((p) => bufferOf(backend, vars[p]));
    flushTfjs(backend);
    const encoder = this.device.createCommandEncoder();
    changed.forEach((p, i) =>
      encoder.copyBufferToBuffer(sources[i], 0, this.params, 4 * this.offsets[p], 4 * vars[p].size),
    );
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * The current weights, moments and EMA as tfjs tensors: one tensor per variable (its shape)
   * and the flat, unpadded moments and EMA. The caller owns (and disposes) them.
   */
  read(): { weights: tf.Tensor[]; m: tf.Tensor1D; v: tf.Tensor1D; average: tf.Tensor1D | null } {
    const { vars } = this.opts;
    const out = tf.tidy(() => {
      const wrap = (buffer: GPUBuffer) =>
        tf.tensor({ buffer, zeroCopy: false }, [this.flatLength], 'float32') as tf.Tensor1D;
      const pieces = (flat: tf.Tensor1D) => vars.map((w, p) => tf.slice(flat, this.offsets[p], w.size));
      const unpad = (buffer: GPUBuffer) => tf.concat(pieces(wrap(buffer))) as tf.Tensor1D;
      const params = wrap(this.params);
      return {
        weights: vars.map((w, p) => tf.reshape(tf.slice(params, this.offsets[p], w.size), w.shape)),
        m: unpad(this.m),
        v: unpad(this.v),
        average: this.average ? unpad(this.average) : undefined,
      };
    });
    return { ...out, average: out.average ?? null };
  }

  /**
   * The last step's gradient of each variable (its shape), before clipping, as tfjs tensors the
   * caller owns: what the parity tests compare with PyTorch's.
   */
  readGradients(): tf.Tensor[] {
    const { vars } = this.opts;
    return tf.tidy(() => {
      const flat = tf.tensor({ buffer: this.grads, zeroCopy: false }, [this.flatLength], 'float32');
      return vars.map((w, p) => tf.reshape(tf.slice(flat, this.offsets[p], w.size), w.shape));
    });
  }

  /**
   * Queues one step: one write of the per-step buffer, one compute pass, one copy of the
   * statistics into the ring, one submit. Resolves with the statistics when the GPU is done; the
   * host may queue further steps meanwhile (at most the ring's size in flight).
   */
  step(key: Int32Array, indices: Int32Array, hyper: Hyper): Promise<CompiledStats> {
    const { backend, batch } = this.opts;
    const ints = new Int32Array(this.stepBytes);
    ints.set(key, 0);
    ints.set(indices, this.layout.indices / 4);
    const floats = new Float32Array(this.stepBytes, this.layout.hyper, HYPER_FIELDS.length);
    HYPER_FIELDS.forEach((f, i) => (floats[i] = hyper[f]));
    flushTfjs(backend);
    this.device.queue.writeBuffer(this.stepBuffer, 0, this.stepBytes);
    const encoder = this.encodePass();
    const staging = this.ring[this.ringNext];
    this.ringNext = (this.ringNext + 1) % RING;
    encoder.copyBufferToBuffer(this.stats, 0, staging, 0, this.statsBytes);
    this.device.queue.submit([encoder.finish()]);
    return staging.mapAsync(GPUMapMode.READ).then(() => {
      const f = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      return {
        loss: f[0],
        gradNorm: f[1],
        finite: f[2] === 1,
        perExampleLoss: f.slice(STATS_HEADER, STATS_HEADER + batch),
        t: Int32Array.from(f.subarray(STATS_HEADER + batch, STATS_HEADER + 2 * batch)),
      };
    });
  }

  /**
   * Submits the dispatch list alone: the same pipelines and bind groups in one pass, one submit,
   * no per-step write and no statistics copy, over whatever the per-step buffer holds. It repeats
   * the last step's arithmetic; the bench times it as the floor of a step's host cost.
   */
  replay(): Promise<undefined> {
    flushTfjs(this.opts.backend);
    this.device.queue.submit([this.encodePass().finish()]);
    return this.device.queue.onSubmittedWorkDone();
  }

  /** A command encoder holding one compute pass with every dispatch of the step. */
  private encodePass(): GPUCommandEncoder {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    encodeDispatches(pass, this.dispatches);
    pass.end();
    return encoder;
  }

  /** Ring size: how many steps may be in flight at once. */
  static readonly maxInFlight = RING;

  /** Frees every buffer the step made (tfjs' pipelines stay in its cache). */
  dispose(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
  }
}
