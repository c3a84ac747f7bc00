/**
 * One DDPM training run on the current tfjs backend: `step()` is one optimiser step (Ho et al.
 * 2020, Algorithm 1) with every tensor it made disposed. The data order comes from a seeded
 * epoch permutation; flips, t, ε and dropout masks are Philox draws keyed by (run seed, step)
 * (src/random), made on the GPU on WebGPU and on the CPU elsewhere, so every backend draws the
 * same values and a run resumes exactly from its step, order, weights, EMA and Adam moments
 * (see `captureState`).
 */
import * as tf from '@tensorflow/tfjs';
import { createScheduler, type Scheduler } from '../diffusion';
import { sampleBatch } from '../data/batch';
import { paramSpecs } from '../model/plan';
import { useFusedKernels } from '../model/fused';
import { dropoutKeyWords } from '../model/ops';
import { UNet } from '../model/unet';
import { drawFlips, drawNoise, drawTimesteps, keyWords, type DrawKey } from '../random/draws';
import { effectiveSchedulerConfig, unetConfigOf } from '../config/validate';
import type { RunConfig } from '../config/runConfig';
import { Adam } from './adam';
import { EpochOrder, uploadBatch, type OrderState, type TrainingData } from './batch';
import { globalNorm } from './clip';
import { Ema, emaDecayAt } from './ema';
import { flatten } from './flat';
import { noiseTables, noisyInputAndTarget, perExampleMse, type NoiseTables } from './loss';
import { learningRate } from './metrics';
import { applyUpdate } from './update';
import { gpuBatchFits, noisyBatchWebGpu, packImages, type GpuBatchSource } from './webgpuBatch';
import { mseLossWebGpu } from './webgpuLoss';
import { webGpuBackend } from './compiled/backend';
import { ADAM_SETTINGS } from './adam';
import { CompiledStep, type CompiledStats, type TracedStep } from './compiled/compiledStep';

/** What one step measured (read back from the GPU once per step). */
export interface StepReport {
  /** Steps done after this one. */
  step: number;
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  lr: number;
  /** The EMA decay this step used; null with EMA off. */
  emaDecay: number | null;
  /** The batch's timesteps and each example's loss. */
  t: Int32Array;
  perExampleLoss: Float32Array;
}

/** A step whose loss or gradient was NaN or infinite: nothing was updated. */
export interface NonFiniteStep {
  nonFinite: true;
  step: number;
  loss: number;
  gradNorm: number;
}

/** A tensor saved in tfjs layout (restored bit for bit, no conversion). */
export interface SavedTensor {
  shape: number[];
  data: Float32Array;
}

/** Everything needed to continue a run exactly: counters, data order and all tensors. */
export interface TrainerState {
  step: number;
  /**
   * Empty: every draw is a function of (seed, step) (src/random). Checkpoints written before the
   * Philox draws hold a xoshiro state here, which is ignored (such a run resumes with new draws).
   */
  rng: number[];
  order: OrderState;
  adamStep: number;
  /** `model/NAME`, `ema/NAME`, `adam.m/NAME`, `adam.v/NAME` (NAME: diffusers parameter name). */
  tensors: Map<string, SavedTensor>;
}

/** Seeds of independent streams drawn from one run seed (stream 1 + e: epoch e's order). */
const STREAMS = 2 ** 21;

/** One step's model inputs on the device, and what to dispose after the step. */
interface StepInputs {
  xt: tf.Tensor4D;
  target: tf.Tensor4D;
  t: tf.Tensor1D;
  dropoutKey: tf.Tensor1D | undefined;
  temporaries: tf.Tensor[];
}

/** How a Trainer may run its steps. */
export interface TrainerOptions {
  /**
   * On WebGPU with the fused kernels, run each step as the compiled dispatch list
   * (`compiled/compiledStep.ts`) instead of tfjs op by op (default true; BatchNorm configs and
   * training sets too large for one GPU binding always use tfjs).
   */
  compiled?: boolean;
}

/**
 * Compiled steps a step loop keeps queued behind the one it reports (the compiled step's ring
 * holds three): enough that the GPU never waits while the host encodes the next step.
 */
export const RUN_AHEAD = 2;

/** How far {@link Trainer.trainStep} may queue ahead of the step it reports. */
export interface StepOptions {
  /**
   * Further compiled steps that may be queued behind this one before its statistics are read
   * (at most `CompiledStep.maxInFlight - 1`; ignored on the tfjs path, which reads each step's
   * loss inside the step). The caller keeps the total within its target and asks for 0 before
   * it needs the state (a checkpoint, a preview, a pause).
   */
  ahead?: number;
}

/** A compiled step queued on the GPU whose statistics have not been read yet. */
interface QueuedStep {
  /** Steps done before it. */
  step: number;
  lr: number;
  emaDecay: number | null;
  /** Adam's step count after it. */
  adamStep: number;
  stats: Promise<CompiledStats>;
}

export class Trainer {
  private readonly unet: UNet;
  readonly ema: Ema | null;
  readonly scheduler: Scheduler;
  private readonly adam: Adam;
  private readonly tables: NoiseTables;
  private readonly order: EpochOrder;
  /** The packed training set and what the GPU batch kernel needs, on WebGPU when it fits. */
  private readonly gpuBatch: GpuBatchSource | null;
  /** Whether the lab's WebGPU kernels run the step (the model's and the loss's). */
  private readonly fused: boolean;
  private readonly shape: [number, number, number, number];
  /** Optimiser steps done. */
  step = 0;
  /** The compiled step, built at the first step that can use it. */
  private compiled: CompiledStep | null = null;
  /** The compiled step's flat buffers hold the current weights, moments and EMA. */
  private compiledLoaded = false;
  /** The tfjs variables lag the compiled step's buffers (read back on demand). */
  private tfjsStale = false;
  /**
   * The variables' data ids when the compiled step last took or gave their values: an assign
   * from outside (a test's or the fault switch's NaN) changes an id, and the step copies that
   * variable in again.
   */
  private knownIds: object[] = [];
  /** Compiled steps queued on the GPU, oldest first; `step` counts only those reported. */
  private queued: QueuedStep[] = [];

  constructor(
    readonly config: RunConfig,
    readonly data: TrainingData,
    private readonly options: TrainerOptions = {},
  ) {
    const { training } = config;
    this.scheduler = createScheduler('ddpm', effectiveSchedulerConfig(config.diffusion));
    this.unet = new UNet(unetConfigOf(config), { init: config.model.init, seed: training.seed });
    this.ema = training.useEma ? new Ema(this.unet) : null;
    this.adam = new Adam(this.unet.trainableVariables());
    this.tables = noiseTables(this.scheduler);
    const ds = data.dataset;
    this.shape = [training.batchSize, ds.height, ds.width, ds.channels];
    const fused = useFusedKernels(tf.getBackend());
    this.fused = fused;
    this.gpuBatch =
      fused && gpuBatchFits(ds)
        ? {
            images: packImages(ds),
            tables: this.tables,
            shape: this.shape,
            T: this.scheduler.config.num_train_timesteps,
            sharedT: training.sharedT,
            flip: data.flip,
            normalization: data.normalization,
          }
        : null;
    this.order = new EpochOrder(ds.count, training.batchSize, training.seed * STREAMS + 1);
  }

  /** Epochs done, fractional. */
  get epoch(): number {
    return (this.step * this.config.training.batchSize) / this.data.dataset.count;
  }

  /**
   * One optimiser step: batch (with flips), t per example or shared, ε, x_t, prediction, MSE,
   * gradient norm, clipping, Adam with warm-up, EMA. A non-finite step changes no weight: the
   * tfjs path reads the loss and gradient norm before updating, the compiled step skips the
   * update on the GPU. With `ahead` the compiled path queues further steps before reading this
   * one's statistics, so the GPU never waits for the host.
   */
  async trainStep(options: StepOptions = {}): Promise<StepReport | NonFiniteStep> {
    if (this.usesCompiledStep()) return this.compiledTrainStep(options.ahead ?? 0);
    const { training } = this.config;
    const B = this.shape[0];
    const key: DrawKey = { seed: training.seed, step: this.step };
    const indices = this.order.next();
    const lr = learningRate(training.lr, training.warmupSteps, this.step);
    const inputs = this.gpuBatch
      ? this.gpuInputs(this.gpuBatch, indices, key)
      : this.hostInputs(indices, key);
    const vars = this.unet.trainableVariables();
    const { value, perExample, grads } = this.lossAndGrads(inputs, key);
    const flatGrad = flatten(vars.map((v) => grads[v.name]));
    tf.dispose(grads);
    const norm = globalNorm(flatGrad);
    // One read: loss, norm, the per-example losses and the t they were drawn at.
    const stats = tf.tidy(() => tf.concat([tf.stack([value, norm]), perExample, inputs.t]));
    const temporaries: tf.Tensor[] = [...inputs.temporaries, value, stats, perExample, flatGrad, norm];
    try {
      const read = (await stats.data()) as Float32Array;
      const loss = read[0];
      const gradNorm = read[1];
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm))
        return { nonFinite: true, step: this.step, loss, gradNorm };
      applyUpdate(this.adam, flatGrad, norm, lr, training);
      const emaDecay = this.ema ? emaDecayAt(training.emaDecay, this.step, training.emaWarmup) : null;
      if (this.ema && emaDecay !== null) this.ema.update(emaDecay);
      this.step++;
      const t = Int32Array.from(read.subarray(2 + B));
      return { step: this.step, loss, gradNorm, lr, emaDecay, t, perExampleLoss: read.slice(2, 2 + B) };
    } finally {
      tf.dispose(temporaries);
    }
  }

  /**
   * The mean loss, each example's loss and every trainable variable's gradient (by name). With
   * `grouped`, the U-Net's time projections read their parameters from it (the compiled step's
   * stand-in for their range of its flat buffer), which then has the gradient and they none.
   */
  private lossAndGrads(
    inputs: Pick<StepInputs, 'xt' | 'target' | 't' | 'dropoutKey'>,
    key: DrawKey,
    grouped?: tf.Variable,
  ): { value: tf.Scalar; perExample: tf.Tensor1D; grads: tf.NamedTensorMap } {
    let perExample: tf.Tensor1D | null = null;
    const vars = this.unet.trainableVariables();
    const { value, grads } = tf.variableGrads(
      () => {
        const prediction = this.unet.apply(inputs.xt, inputs.t, {
          training: true,
          dropout: key,
          dropoutKeyTensor: inputs.dropoutKey,
          ...(grouped ? { timeProjections: grouped as tf.Tensor as tf.Tensor1D } : {}),
        });
        if (this.fused) {
          const mse = mseLossWebGpu(prediction, inputs.target);
          perExample = mse.perExample;
          return mse.loss;
        }
        perExample = tf.keep(perExampleMse(prediction, inputs.target));
        return tf.mean(perExample) as tf.Scalar;
      },
      grouped ? [...vars, grouped] : vars,
    );
    return { value, perExample: perExample as unknown as tf.Tensor1D, grads };
  }

  /**
   * Whether steps run as the compiled dispatch list (WebGPU, fused kernels, GPU batch, no
   * BatchNorm). The learner's doubleOptimizerStep runs op by op: the compiled list has one Adam update.
   */
  usesCompiledStep(): boolean {
    return (
      this.options.compiled !== false &&
      !this.config.training.doubleOptimizerStep &&
      this.gpuBatch !== null &&
      this.config.model.lab_norm_after_conv_in == null &&
      useFusedKernels(tf.getBackend())
    );
  }

  /** The compiled step, built on first use (its capture runs the tfjs step once). */
  compiledStep(): CompiledStep {
    const src = this.gpuBatch;
    if (!src) throw new Error('the compiled step needs the training set on the GPU');
    this.compiled ??= new CompiledStep({
      backend: webGpuBackend(),
      vars: this.unet.trainableVariables(),
      batch: this.shape[0],
      ema: this.ema !== null,
      grouped: this.unet.timeProjectionGroup(),
      trace: (indices, key, grouped): TracedStep => {
        const vars = this.unet.trainableVariables();
        const { xt, target, t } = noisyBatchWebGpu(src, indices, key);
        // The key's seed and step are unused: the GPU kernels read them from the key tensor.
        const { value, perExample, grads } = this.lossAndGrads(
          { xt, target, t, dropoutKey: key },
          { seed: 0, step: 0 },
          grouped,
        );
        tf.dispose([xt, target]);
        return {
          loss: value,
          perExample,
          t,
          grads: vars.map((v) => grads[v.name]),
          groupedGrad: grads[grouped.name],
        };
      },
    });
    return this.compiled;
  }

  /**
   * The step as the compiled dispatch list: queues it (and up to `ahead` more) and reports the
   * oldest queued step when its statistics arrive. A non-finite step changed nothing on the GPU;
   * steps queued behind it did run, so the caller restores a saved state (after
   * {@link settle}) or stops.
   */
  private async compiledTrainStep(ahead: number): Promise<StepReport | NonFiniteStep> {
    const depth = 1 + Math.max(0, Math.min(Math.floor(ahead), CompiledStep.maxInFlight - 1));
    while (this.queued.length < depth) this.queueCompiledStep();
    const next = this.queued.shift() as QueuedStep;
    let stats: CompiledStats;
    try {
      stats = await next.stats;
    } catch (e) {
      this.queued = []; // a lost device fails them all (each already has a handler)
      throw e;
    }
    if (!stats.finite)
      return { nonFinite: true, step: next.step, loss: stats.loss, gradNorm: stats.gradNorm };
    this.adam.step = next.adamStep;
    this.step = next.step + 1;
    return {
      step: this.step,
      loss: stats.loss,
      gradNorm: stats.gradNorm,
      lr: next.lr,
      emaDecay: next.emaDecay,
      t: stats.t,
      perExampleLoss: stats.perExampleLoss,
    };
  }

  /**
   * Queues the next compiled step: the host computes the draw key, the batch indices, the lr,
   * Adam's bias corrections and the EMA decay of that step and writes them once.
   */
  private queueCompiledStep(): void {
    const { training } = this.config;
    const compiled = this.compiledStep();
    if (!this.compiledLoaded) {
      const adam = this.adam.state();
      compiled.load(adam.m, adam.v, this.ema?.flatAverage() ?? null);
      this.compiledLoaded = true;
      this.knownIds = this.unet.trainableVariables().map((v) => v.dataId);
    } else this.loadAssignedWeights(compiled);
    const step = this.step + this.queued.length;
    const key: DrawKey = { seed: training.seed, step };
    const indices = this.order.next();
    const lr = learningRate(training.lr, training.warmupSteps, step);
    const { beta1, beta2, epsilon } = ADAM_SETTINGS;
    const n = this.adam.step + this.queued.length + 1;
    const emaDecay = this.ema ? emaDecayAt(training.emaDecay, step, training.emaWarmup) : null;
    const stats = compiled.step(keyWords(key), Int32Array.from(indices), {
      stepSize: lr / (1 - beta1 ** n),
      vScale: 1 / Math.sqrt(1 - beta2 ** n),
      epsilon,
      beta1,
      oneMinusBeta1: 1 - beta1,
      beta2,
      oneMinusBeta2: 1 - beta2,
      clip: training.gradClipNorm ?? -1,
      decay: emaDecay ?? 0,
      oneMinusDecay: 1 - (emaDecay ?? 0),
    });
    // Handled here too: a step dropped by `settle` or a lost device must not be an unhandled rejection.
    stats.catch(() => undefined);
    this.queued.push({ step, lr, emaDecay, adamStep: n, stats });
    this.tfjsStale = true;
  }

  /** Compiled steps queued whose statistics have not been reported yet. */
  get inFlight(): number {
    return this.queued.length;
  }

  /**
   * Waits for the queued steps and drops their reports: after a non-finite step, before the
   * caller restores a saved state.
   */
  async settle(): Promise<void> {
    const queued = this.queued;
    this.queued = [];
    await Promise.allSettled(queued.map((q) => q.stats));
  }

  /**
   * Copies variables assigned from outside since the compiled step last took or gave their
   * values (a test's or the fault switch's NaN) into its buffers: such an assignment wins.
   */
  private loadAssignedWeights(compiled: CompiledStep): void {
    const vars = this.unet.trainableVariables();
    const changed: number[] = [];
    vars.forEach((v, i) => {
      if (v.dataId !== this.knownIds[i]) changed.push(i);
    });
    if (changed.length > 0) compiled.loadWeights(changed);
    this.knownIds = vars.map((v) => v.dataId);
  }

  /** Brings the tfjs variables, Adam's moments and the EMA up to the compiled step's buffers. */
  private syncFromCompiled(): void {
    if (!this.tfjsStale || !this.compiled) return;
    this.loadAssignedWeights(this.compiled);
    const state = this.compiled.read();
    const vars = this.unet.trainableVariables();
    vars.forEach((v, i) => v.assign(state.weights[i]));
    this.adam.load({ step: this.adam.step, m: state.m, v: state.v });
    if (this.ema && state.average) this.ema.setFlatAverage(state.average);
    tf.dispose([...state.weights, state.m, state.v, ...(state.average ? [state.average] : [])]);
    this.knownIds = vars.map((v) => v.dataId);
    this.tfjsStale = false;
  }

  /** The live model, its variables up to date. */
  get model(): UNet {
    this.syncFromCompiled();
    return this.unet;
  }

  /** Inputs from the packed training set, drawn on the GPU: the host sends indices and the key. */
  private gpuInputs(src: GpuBatchSource, indices: Uint32Array, key: DrawKey): StepInputs {
    const indexTensor = tf.tensor1d(Int32Array.from(indices), 'int32');
    const keyTensor = dropoutKeyWords(key);
    const { xt, target, t } = noisyBatchWebGpu(src, indexTensor, keyTensor);
    return { xt, target, t, dropoutKey: keyTensor, temporaries: [indexTensor, keyTensor, xt, target, t] };
  }

  /** Inputs gathered and drawn on the CPU (the same Philox draws), uploaded as bytes and noise. */
  private hostInputs(indices: Uint32Array, key: DrawKey): StepInputs {
    const { training } = this.config;
    const [B, H, W, C] = this.shape;
    const flips = this.data.flip ? drawFlips(key, B) : undefined;
    const t = drawTimesteps(key, B, this.scheduler.config.num_train_timesteps, training.sharedT);
    const x0 = uploadBatch(
      sampleBatch(this.data.dataset, indices, flips),
      this.shape,
      this.data.normalization,
    );
    const epsT = tf.tensor4d(drawNoise(key, B * H * W * C), this.shape);
    const tT = tf.tensor1d(t, 'int32');
    const { xt, target } = noisyInputAndTarget(x0, epsT, tT, this.tables);
    const tFloat = tf.cast(tT, 'float32') as tf.Tensor1D;
    return { xt, target, t: tFloat, dropoutKey: undefined, temporaries: [x0, epsT, tT, xt, target, tFloat] };
  }

  /** The weights to sample with: the EMA copy when on, else the live model. */
  samplingModel(): UNet {
    this.syncFromCompiled();
    return this.ema ? this.ema.model() : this.unet;
  }

  /** Reads every tensor and counter (awaiting each read, as WebGPU requires). */
  async captureState(): Promise<TrainerState> {
    if (this.queued.length > 0)
      throw new Error(`captureState: ${this.queued.length} step(s) still in flight; report them first`);
    this.syncFromCompiled();
    const tensors = new Map<string, SavedTensor>();
    const save = async (key: string, v: tf.Tensor) =>
      tensors.set(key, { shape: [...v.shape], data: Float32Array.from((await v.data()) as Float32Array) });
    const ema = this.ema?.model();
    for (const spec of paramSpecs(this.unet.plan)) {
      await save(`model/${spec.name}`, this.unet.variable(spec.name));
      if (ema) await save(`ema/${spec.name}`, ema.variable(spec.name));
    }
    const adam = this.adam.state();
    await save('adam.m', adam.m);
    await save('adam.v', adam.v);
    return {
      step: this.step,
      rng: [],
      order: this.order.state(),
      adamStep: adam.step,
      tensors,
    };
  }

  /** Restores a {@link captureState} of a run with the same config; throws naming any missing or mis-shaped tensor. */
  restoreState(state: TrainerState): void {
    if (this.queued.length > 0)
      throw new Error(`restoreState: ${this.queued.length} step(s) still in flight; settle() first`);
    const get = (key: string, shape: readonly number[]): tf.Tensor => {
      const saved = state.tensors.get(key);
      if (!saved) throw new Error(`checkpoint has no tensor ${key}`);
      if (saved.shape.join() !== shape.join())
        throw new Error(`checkpoint tensor ${key} has shape [${saved.shape}], the model needs [${shape}]`);
      return tf.tensor(saved.data, saved.shape);
    };
    for (const key of ['adam.m', 'adam.v']) get(key, [this.adam.size]).dispose();
    for (const spec of paramSpecs(this.unet.plan)) {
      const v = this.unet.variable(spec.name);
      get(`model/${spec.name}`, v.shape).dispose();
      if (this.ema) get(`ema/${spec.name}`, v.shape).dispose();
    }
    // Everything is there and the right shape: now assign.
    const assign = (target: tf.Variable, key: string) => tf.tidy(() => target.assign(get(key, target.shape)));
    for (const spec of paramSpecs(this.unet.plan))
      assign(this.unet.variable(spec.name), `model/${spec.name}`);
    if (this.ema) {
      const ema = this.ema.model();
      for (const spec of paramSpecs(this.unet.plan)) assign(ema.variable(spec.name), `ema/${spec.name}`);
      this.ema.reloadFromModel();
    }
    const m = get('adam.m', [this.adam.size]) as tf.Tensor1D;
    const v = get('adam.v', [this.adam.size]) as tf.Tensor1D;
    this.adam.load({ step: state.adamStep, m, v });
    tf.dispose([m, v]);
    this.step = state.step;
    this.order.load(state.order);
    // The compiled step reloads its buffers from the restored variables before its next step.
    this.compiledLoaded = false;
    this.tfjsStale = false;
  }

  /** Frees every tensor of the run, except `keep` (a sampling model someone still shows). */
  dispose(keep?: UNet): void {
    if (keep !== this.unet) this.unet.dispose();
    this.ema?.dispose(keep !== undefined && keep !== this.unet);
    this.compiled?.dispose();
    this.adam.dispose();
    this.tables.dispose();
    this.gpuBatch?.images.dispose();
  }
}
