/**
 * One DDPM training run on the current tfjs backend: `step()` is one optimiser step (Ho et al.
 * 2020, Algorithm 1) with every tensor it made disposed. Randomness (data order, flips, t, ε,
 * dropout seeds) comes from the diffusion core's seeded `Rng` on the CPU, so a run is repeatable
 * and its state, with the weights, EMA and Adam moments, resumes exactly (see `captureState`).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, createScheduler, type Scheduler } from '../diffusion';
import { sampleBatch } from '../data/batch';
import { paramSpecs } from '../model/plan';
import { UNet } from '../model/unet';
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

/** Everything needed to continue a run exactly: counters, RNG, data order and all tensors. */
export interface TrainerState {
  step: number;
  rng: number[];
  order: OrderState;
  adamStep: number;
  /** `model/NAME`, `ema/NAME`, `adam.m/NAME`, `adam.v/NAME` (NAME: diffusers parameter name). */
  tensors: Map<string, SavedTensor>;
}

/** Seeds of independent streams drawn from one run seed (stream 0: the step RNG; 1 + e: epoch e's order). */
const STREAMS = 2 ** 21;

export class Trainer {
  readonly model: UNet;
  readonly ema: Ema | null;
  readonly scheduler: Scheduler;
  private readonly adam: Adam;
  private readonly tables: NoiseTables;
  private readonly order: EpochOrder;
  private rng: Rng;
  private readonly shape: [number, number, number, number];
  /** Optimiser steps done. */
  step = 0;

  constructor(
    readonly config: RunConfig,
    readonly data: TrainingData,
  ) {
    const { training } = config;
    this.scheduler = createScheduler('ddpm', effectiveSchedulerConfig(config.diffusion));
    this.model = new UNet(unetConfigOf(config), { init: config.model.init, seed: training.seed });
    this.ema = training.useEma ? new Ema(this.model) : null;
    this.adam = new Adam(this.model.trainableVariables());
    this.tables = noiseTables(this.scheduler);
    const ds = data.dataset;
    this.shape = [training.batchSize, ds.height, ds.width, ds.channels];
    this.rng = new Rng(training.seed * STREAMS);
    this.order = new EpochOrder(ds.count, training.batchSize, training.seed * STREAMS + 1);
  }

  /** Epochs done, fractional. */
  get epoch(): number {
    return (this.step * this.config.training.batchSize) / this.data.dataset.count;
  }

  /**
   * One optimiser step: batch (with flips), t per example or shared, ε, x_t, prediction, MSE,
   * gradient norm, clipping, Adam with warm-up, EMA. The loss and gradient norm are read before
   * anything is updated, so a non-finite step changes no weight.
   */
  async trainStep(): Promise<StepReport | NonFiniteStep> {
    const { training } = this.config;
    const [B, H, W, C] = this.shape;
    const T = this.scheduler.config.num_train_timesteps;
    const indices = this.order.next();
    const flips = this.data.flip
      ? Uint8Array.from(indices, () => (this.rng.uniform() < 0.5 ? 1 : 0))
      : undefined;
    const t = new Int32Array(B);
    if (training.sharedT) t.fill(this.rng.int(T));
    else for (let i = 0; i < B; i++) t[i] = this.rng.int(T);
    const eps = this.rng.fillNormal(new Float32Array(B * H * W * C));
    const dropoutSeed = this.rng.nextUint32();
    const lr = learningRate(training.lr, training.warmupSteps, this.step);

    const x0 = uploadBatch(
      sampleBatch(this.data.dataset, indices, flips),
      this.shape,
      this.data.normalization,
    );
    const epsT = tf.tensor4d(eps, this.shape);
    const tT = tf.tensor1d(t, 'int32');
    const { xt, target } = noisyInputAndTarget(x0, epsT, tT, this.tables);
    const tFloat = tf.cast(tT, 'float32') as tf.Tensor1D;
    const vars = this.model.trainableVariables();
    let perExample: tf.Tensor1D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const prediction = this.model.apply(xt, tFloat, { training: true, seed: dropoutSeed });
      perExample = tf.keep(perExampleMse(prediction, target));
      return tf.mean(perExample) as tf.Scalar;
    }, vars);
    const flatGrad = flatten(vars.map((v) => grads[v.name]));
    tf.dispose(grads);
    const norm = globalNorm(flatGrad);
    const stats = tf.tidy(() => tf.concat([tf.stack([value, norm]), perExample as unknown as tf.Tensor1D]));
    const temporaries: tf.Tensor[] = [
      x0,
      epsT,
      tT,
      xt,
      target,
      tFloat,
      value,
      stats,
      perExample as unknown as tf.Tensor1D,
      flatGrad,
      norm,
    ];
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
      return { step: this.step, loss, gradNorm, lr, emaDecay, t, perExampleLoss: read.slice(2) };
    } finally {
      tf.dispose(temporaries);
    }
  }

  /** The weights to sample with: the EMA copy when on, else the live model. */
  samplingModel(): UNet {
    return this.ema ? this.ema.model() : this.model;
  }

  /** Reads every tensor and counter (awaiting each read, as WebGPU requires). */
  async captureState(): Promise<TrainerState> {
    const tensors = new Map<string, SavedTensor>();
    const save = async (key: string, v: tf.Tensor) =>
      tensors.set(key, { shape: [...v.shape], data: Float32Array.from((await v.data()) as Float32Array) });
    const ema = this.ema?.model();
    for (const spec of paramSpecs(this.model.plan)) {
      await save(`model/${spec.name}`, this.model.variable(spec.name));
      if (ema) await save(`ema/${spec.name}`, ema.variable(spec.name));
    }
    const adam = this.adam.state();
    await save('adam.m', adam.m);
    await save('adam.v', adam.v);
    return {
      step: this.step,
      rng: this.rng.getState(),
      order: this.order.state(),
      adamStep: adam.step,
      tensors,
    };
  }

  /** Restores a {@link captureState} of a run with the same config; throws naming any missing or mis-shaped tensor. */
  restoreState(state: TrainerState): void {
    const get = (key: string, shape: readonly number[]): tf.Tensor => {
      const saved = state.tensors.get(key);
      if (!saved) throw new Error(`checkpoint has no tensor ${key}`);
      if (saved.shape.join() !== shape.join())
        throw new Error(`checkpoint tensor ${key} has shape [${saved.shape}], the model needs [${shape}]`);
      return tf.tensor(saved.data, saved.shape);
    };
    for (const key of ['adam.m', 'adam.v']) get(key, [this.adam.size]).dispose();
    for (const spec of paramSpecs(this.model.plan)) {
      const v = this.model.variable(spec.name);
      get(`model/${spec.name}`, v.shape).dispose();
      if (this.ema) get(`ema/${spec.name}`, v.shape).dispose();
    }
    // Everything is there and the right shape: now assign.
    const assign = (target: tf.Variable, key: string) => tf.tidy(() => target.assign(get(key, target.shape)));
    for (const spec of paramSpecs(this.model.plan))
      assign(this.model.variable(spec.name), `model/${spec.name}`);
    if (this.ema) {
      const ema = this.ema.model();
      for (const spec of paramSpecs(this.model.plan)) assign(ema.variable(spec.name), `ema/${spec.name}`);
      this.ema.reloadFromModel();
    }
    const m = get('adam.m', [this.adam.size]) as tf.Tensor1D;
    const v = get('adam.v', [this.adam.size]) as tf.Tensor1D;
    this.adam.load({ step: state.adamStep, m, v });
    tf.dispose([m, v]);
    this.step = state.step;
    this.rng = Rng.fromState(state.rng);
    this.order.load(state.order);
  }

  /** Frees every tensor of the run, except `keep` (a sampling model someone still shows). */
  dispose(keep?: UNet): void {
    if (keep !== this.model) this.model.dispose();
    this.ema?.dispose(keep !== undefined && keep !== this.model);
    this.adam.dispose();
    this.tables.dispose();
  }
}
