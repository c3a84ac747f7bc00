/**
 * The DDPM U-Net (diffusers UNet2DModel semantics) as plain tfjs Variables named by their
 * diffusers state-dict keys, and a pure forward function over them: ε̂ = apply(x_t, t).
 * It knows nothing of noise schedules.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNorm } from './batchNorm';
import { downBlock, midBlock, upBlock } from './blocks';
import { isDiffusersCompatible, sideMultiple, type UNetConfig } from './config';
import { useFusedKernels } from './fused';
import { checkModelLimits } from './limits';
import { initialValue, paramSeed, type InitScheme } from './init';
import {
  SAME_3X3,
  conv,
  dropoutKeyWords,
  groupNormSilu,
  silu,
  type DropoutKey,
  type ForwardContext,
} from './ops';
import { CONV_IN_NORM, paramSpecs, planUNet, type ParamSpec, type UNetPlan } from './plan';
import {
  StateDictError,
  checkStateDict,
  isClean,
  normaliseKeys,
  toTfjsLayout,
  toTorchLayout,
  type StateDict,
  type StateTensor,
} from './stateDict';
import { timeEmbedding } from './timeEmbedding';
import { groupedParameterOffsets, timeProjectionLayout, type TimeProjectionLayout } from './timeProjections';
import { attachTimeProjections, projectionWindow, timeProjectionsGemm } from './webgpu/timeProjections';

/** How to initialise a new model. */
export interface UNetOptions {
  /** 'ddpm' (default): the paper's TF initialisation; 'pytorch': torch.nn defaults. See init.ts. */
  init?: InitScheme;
  /** Seed of the initial weights; the same seed and config give the same weights on any backend. */
  seed?: number;
  /** The lab's fused WebGPU kernels on the WebGPU backend (default: the process default, on; see fused.ts). */
  fused?: boolean;
}

/** Options of one forward pass. */
export interface ApplyOptions {
  /** Training enables dropout and BatchNorm batch statistics (and updates its running statistics). */
  training: boolean;
  /**
   * The dropout masks' key (run seed and step, see `ops.ts`); without it a training pass draws
   * fresh masks from a random seed.
   */
  dropout?: DropoutKey;
  /**
   * The same key as an int32 tensor [seed low word, seed high word, step] already on the GPU
   * (the compiled training step binds its per-step buffer here); made from `dropout` when absent.
   */
  dropoutKeyTensor?: tf.Tensor1D;
  /**
   * Every resnet's `time_emb_proj` weight and bias in one vector, laid out as
   * `groupedParameterOffsets(model.timeProjections)` says (the compiled step binds its flat
   * parameters' range there). The pass then projects silu(temb) for every resnet with one kernel
   * and reads no `time_emb_proj` variable: these parameters' gradient is this tensor's. Fused
   * kernels only.
   */
  timeProjections?: tf.Tensor1D;
}

/** An input the U-Net cannot take (wrong rank, channels, sides or timestep count). */
export class UNetInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UNetInputError';
  }
}

let modelCounter = 0;

/** A U-Net built from a config, owning one tf.Variable per state-dict tensor. */
export class UNet {
  readonly config: UNetConfig;
  readonly plan: UNetPlan;
  /** False when a lab-only key is set (the weights would not load into diffusers). */
  readonly diffusersCompatible: boolean;
  /** Every resnet's time projection as one group (ApplyOptions.timeProjections). */
  readonly timeProjections: TimeProjectionLayout;
  private readonly specs: ParamSpec[];
  private readonly vars = new Map<string, tf.Variable>();
  private readonly fused: boolean | undefined;

  /**
   * Builds and initialises the variables; throws UNetConfigError for configs the plan rejects and
   * ModelLimitError, before allocating anything, for one that costs more than MODEL_LIMITS.
   */
  constructor(config: UNetConfig, options: UNetOptions = {}) {
    checkModelLimits(config);
    this.config = config;
    this.plan = planUNet(config);
    this.diffusersCompatible = isDiffusersCompatible(config);
    this.timeProjections = timeProjectionLayout(this.plan);
    this.specs = paramSpecs(this.plan);
    this.fused = options.fused;
    const scheme = options.init ?? 'ddpm';
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    // tfjs registers variables globally by name: a per-model scope lets several models (an EMA copy, tests) coexist.
    const scope = `unet${modelCounter++}`;
    for (const spec of this.specs) {
      const init = toTfjsLayout(spec, {
        shape: spec.shape,
        data: initialValue(spec, scheme, paramSeed(seed, spec.name)),
      });
      const value = tf.tensor(init.data, init.shape);
      this.vars.set(spec.name, tf.variable(value, spec.trainable, `${scope}/${spec.name}`));
      value.dispose();
    }
  }

  /**
   * ε̂ for x_t (NHWC) at float timesteps t [B]. Eval mode is deterministic; training mode applies
   * dropout and, with the BatchNorm ablation, updates its running statistics. All intermediates
   * are disposed; usable inside tf.variableGrads / optimizer.minimize.
   */
  apply(x: tf.Tensor4D, t: tf.Tensor1D, opts: ApplyOptions): tf.Tensor4D {
    this.checkInput(x, t);
    let dropoutCalls = 0;
    const dropoutKey = opts.dropout ?? { seed: Math.floor(Math.random() * 2 ** 32), step: 0 };
    let keyTensor = opts.dropoutKeyTensor ?? null;
    const ctx: ForwardContext = {
      param: (name) => this.variable(name),
      training: opts.training,
      dropout: this.config.dropout,
      dropoutKey,
      nextDropoutCall: () => dropoutCalls++,
      dropoutKeyTensor: () => (keyTensor ??= dropoutKeyWords(dropoutKey)),
      groups: this.config.norm_num_groups,
      eps: this.config.norm_eps,
      assignState: (name, value) => this.variable(name).assign(value),
      fused: useFusedKernels(tf.getBackend(), this.fused),
    };
    if (opts.timeProjections && !ctx.fused)
      throw new Error('grouped time projections need the fused WebGPU kernels');
    const grouped = opts.timeProjections
      ? { params: opts.timeProjections, layout: this.timeProjections }
      : null;
    return tf.tidy(() =>
      forward(this.plan, ctx, x, t.dtype === 'float32' ? t : tf.cast(t, 'float32'), grouped),
    );
  }

  /** The variables an optimiser updates (everything but BatchNorm running statistics). */
  trainableVariables(): tf.Variable[] {
    return this.specs.filter((s) => s.trainable).map((s) => this.variable(s.name));
  }

  /** Every variable, BatchNorm running statistics included: all a forward reads that may change. */
  variables(): tf.Variable[] {
    return this.specs.map((s) => this.variable(s.name));
  }

  /** One variable by diffusers name, in tfjs layout. */
  variable(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`the model has no parameter "${name}"`);
    return v;
  }

  /**
   * The grouped time-projection vector (ApplyOptions.timeProjections): its length, and each
   * `time_emb_proj` variable's offset in it by its index in {@link trainableVariables}.
   */
  timeProjectionGroup(): { length: number; members: Map<number, number> } {
    const { offsets, length } = groupedParameterOffsets(this.timeProjections);
    const members = new Map<number, number>();
    this.specs
      .filter((s) => s.trainable)
      .forEach((s, i) => {
        const offset = offsets.get(s.name);
        if (offset !== undefined) members.set(i, offset);
      });
    return { length, members };
  }

  /** Number of trainable scalars (equals countParameters(config)). */
  parameterCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  /** All tensors in PyTorch layouts and names, read with await data() (never a sync read on WebGPU). */
  async getStateDict(): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const spec of this.specs) {
      const v = this.variable(spec.name);
      out.set(spec.name, toTorchLayout(spec, (await v.data()) as Float32Array, v.shape));
    }
    return out;
  }

  /**
   * Replaces every variable from a PyTorch-layout state dict, accepting legacy attention names.
   * Nothing is changed unless the whole dict matches: otherwise one StateDictError lists every
   * missing, unexpected and mis-shaped tensor.
   */
  loadStateDict(dict: StateDict): void {
    const report = checkStateDict(this.specs, dict);
    if (!isClean(report)) throw new StateDictError(report);
    const named = normaliseKeys(dict).dict;
    for (const spec of this.specs) {
      const { data, shape } = toTfjsLayout(spec, named.get(spec.name) as StateTensor);
      tf.tidy(() => this.variable(spec.name).assign(tf.tensor(data, shape)));
    }
  }

  /** Frees every variable; the model is unusable afterwards. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }

  private checkInput(x: tf.Tensor, t: tf.Tensor): void {
    const c = this.config;
    if (x.rank !== 4)
      throw new UNetInputError(`input must be NHWC rank 4, got shape [${x.shape.join(', ')}]`);
    const [n, h, w, ch] = x.shape;
    if (ch !== c.in_channels)
      throw new UNetInputError(
        `input has ${ch} channels (NHWC last axis), the model takes in_channels = ${c.in_channels}`,
      );
    const m = sideMultiple(c);
    if (h % m !== 0 || w % m !== 0)
      throw new UNetInputError(
        `input sides ${h}×${w} must be divisible by 2^(levels−1) = ${m} for ${c.block_out_channels.length} levels (pad the image, e.g. 28 → 32, or use fewer levels)`,
      );
    if (t.rank !== 1 || t.shape[0] !== n)
      throw new UNetInputError(
        `timesteps must have shape [${n}] (one per sample), got [${t.shape.join(', ')}]`,
      );
  }
}

/**
 * conv_in [→ BatchNorm] → down blocks → mid → up blocks → GroupNorm, SiLU, conv_out; with
 * `grouped`, every resnet's time projection first, in one kernel (see ApplyOptions.timeProjections).
 */
function forward(
  plan: UNetPlan,
  ctx: ForwardContext,
  x: tf.Tensor4D,
  t: tf.Tensor1D,
  grouped: { params: tf.Tensor1D; layout: TimeProjectionLayout } | null,
): tf.Tensor4D {
  const c = plan.config;
  const temb = timeEmbedding(ctx, t, plan.timeChannels, c.flip_sin_to_cos, c.freq_shift);
  const tembAct = silu(ctx, temb);
  const packed = grouped ? timeProjectionsGemm(tembAct, grouped.params, grouped.layout) : null;
  if (grouped && packed) {
    const index = new Map(grouped.layout.prefixes.map((p, r) => [p, r]));
    ctx.timeProjectionWindow = (prefix) =>
      projectionWindow(packed, grouped.layout, x.shape[0], index.get(prefix) as number);
  }
  let h = conv(ctx, x, 'conv_in', { pad: SAME_3X3 });
  if (c.lab_norm_after_conv_in === 'batch') h = batchNorm(ctx, h, CONV_IN_NORM);
  // conv_in's output is the first skip; each block's first resnet pushes its input (blocks.ts).
  const skips: tf.Tensor4D[] = [];
  for (const block of plan.down) h = downBlock(ctx, h, tembAct, block, c.downsample_padding, skips);
  h = midBlock(ctx, h, tembAct, plan.mid, skips);
  for (const block of plan.up) h = upBlock(ctx, h, tembAct, block, skips);
  h = groupNormSilu(ctx, h, 'conv_norm_out');
  const out = conv(ctx, h, 'conv_out', { pad: SAME_3X3 });
  return packed ? attachTimeProjections(out, packed) : out;
}
