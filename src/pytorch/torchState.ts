/**
 * A lab training state in PyTorch's terms, and back: what the exported project's `train.py`
 * resumes from (`lab_state.safetensors`) and what it writes beside each checkpoint
 * (`training_state.safetensors`).
 *
 * The lab keeps its tensors in tfjs layout (conv HWIO, dense `[in, out]`) and Adam's moments as
 * two flat vectors over the trainable parameters in the U-Net's forward order (`paramSpecs`).
 * PyTorch's `torch.optim.Adam` keeps one `exp_avg` / `exp_avg_sq` per parameter, indexed by the
 * parameter's position in `model.parameters()`, which for diffusers' `UNet2DModel` is module
 * registration order: a block's `attentions` before its `resnets` (the lab runs them interleaved).
 * So the file holds every tensor by its diffusers name in PyTorch layout, and the order of
 * `named_parameters()` is written beside it (`parameter_order`) so train.py can check it against
 * the model it built before it maps moments onto parameters by name.
 */
import { paramSpecs, planUNet, type ParamSpec, type UNetPlan } from '../model/plan';
import type { UNetConfig } from '../model/config';
import { toTfjsLayout, toTorchLayout, type StateDict } from '../model/stateDict';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../io/safetensors';
import type { SavedTensor, TrainerState } from '../training/trainer';

/** The file's identity in its metadata. */
export const TORCH_STATE_FORMAT = 'diffusion-lab-torch-state';
/** Bumped when the layout changes; train.py refuses other versions. */
export const TORCH_STATE_VERSION = 1;
/** The metadata key holding {@link TorchStateMeta} as JSON. */
export const TORCH_STATE_META_KEY = 'diffusion_lab_torch_state';

/** Key prefixes of the four tensor groups in the file. */
export const TORCH_STATE_PREFIX = {
  model: 'unet/',
  ema: 'ema/',
  expAvg: 'optimizer.exp_avg/',
  expAvgSq: 'optimizer.exp_avg_sq/',
} as const;

/** The tensors of a run, by diffusers parameter name, in PyTorch layout. */
export interface TorchTensors {
  /** The live (raw) weights. */
  model: StateDict;
  /** The EMA weights; null when the run has EMA off. */
  ema: StateDict | null;
  /** Adam's first and second moments per trainable parameter. */
  expAvg: StateDict;
  expAvgSq: StateDict;
}

/** Everything but the tensors. */
export interface TorchStateMeta {
  format: typeof TORCH_STATE_FORMAT;
  version: number;
  /** Optimiser steps done: the next step is step + 1 (its lr is the warm-up's value at `step`). */
  step: number;
  /** Adam's update count n (bias corrections 1 − βⁿ); torch's `state["step"]`. */
  adamStep: number;
  /** `UNet2DModel.named_parameters()` order for this config: Adam's parameter index order. */
  parameterOrder: string[];
  /** Anything the writer wants to carry (config, metric state, data order). */
  extra: Record<string, unknown>;
}

/** A file or state that does not fit the model it is meant for. */
export class TorchStateError extends Error {
  override readonly name = 'TorchStateError';
}

/**
 * The names of `UNet2DModel(config).named_parameters()`, in that order: conv_in, the time MLP,
 * each down block's attentions, resnets and downsampler, the mid block's attention then resnets,
 * each up block likewise, conv_norm_out, conv_out. Within a module, as diffusers registers its
 * children (resnet: norm1, conv1, time_emb_proj, norm2, conv2, conv_shortcut; attention:
 * group_norm, to_q, to_k, to_v, to_out.0), weight before bias.
 */
export function torchParameterOrder(plan: UNetPlan): string[] {
  if (plan.config.lab_norm_after_conv_in !== null) throw notDiffusers(plan.config);
  const specs = paramSpecs(plan).filter((s) => s.trainable);
  const under = (prefix: string) => specs.filter((s) => s.name.startsWith(`${prefix}.`)).map((s) => s.name);
  const block = (prefix: string) => [
    ...under(`${prefix}.attentions`),
    ...under(`${prefix}.resnets`),
    ...under(`${prefix}.downsamplers`),
    ...under(`${prefix}.upsamplers`),
  ];
  const order = [
    ...under('conv_in'),
    ...under('time_embedding'),
    ...plan.down.flatMap((_, i) => block(`down_blocks.${i}`)),
    ...block('mid_block'),
    ...plan.up.flatMap((_, i) => block(`up_blocks.${i}`)),
    ...under('conv_norm_out'),
    ...under('conv_out'),
  ];
  // Every parameter exactly once, or the walk above has fallen behind the plan.
  if (order.length !== specs.length || new Set(order).size !== specs.length)
    throw new Error(`parameter order covers ${order.length} of ${specs.length} parameters`);
  return order;
}

/** tfjs layout of a parameter: conv `[kh, kw, in, out]`, dense `[in, out]`, vectors as they are. */
function tfjsShape(spec: ParamSpec): number[] {
  const s = spec.shape;
  if (spec.layout === 'conv') return [s[2], s[3], s[1], s[0]];
  if (spec.layout === 'linear') return [s[1], s[0]];
  return [...s];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function notDiffusers(config: UNetConfig): TorchStateError {
  return new TorchStateError(
    `the model sets lab_norm_after_conv_in = "${config.lab_norm_after_conv_in}" (BatchNorm after conv_in), which diffusers' UNet2DModel has no place for; a PyTorch project cannot train it`,
  );
}

/** The trainable specs in the lab's flat (forward) order, with each one's offset in Adam's moments. */
function flatLayout(config: UNetConfig): { spec: ParamSpec; offset: number; tfShape: number[] }[] {
  if (config.lab_norm_after_conv_in !== null) throw notDiffusers(config);
  let offset = 0;
  return paramSpecs(planUNet(config))
    .filter((s) => s.trainable)
    .map((spec) => {
      const tfShape = tfjsShape(spec);
      const entry = { spec, offset, tfShape };
      offset += size(tfShape);
      return entry;
    });
}

/** A lab training state's tensors (tfjs layout, flat moments) as PyTorch state dicts. */
export function labToTorch(config: UNetConfig, state: TrainerState): TorchTensors {
  const layout = flatLayout(config);
  const total = layout.reduce((n, l) => n + size(l.tfShape), 0);
  const get = (key: string, shape: readonly number[]): SavedTensor => {
    const t = state.tensors.get(key);
    if (!t) throw new TorchStateError(`the checkpoint has no tensor ${key}`);
    if (t.shape.join() !== shape.join() || t.data.length !== size(shape))
      throw new TorchStateError(
        `checkpoint tensor ${key} has shape [${t.shape.join(', ')}], the model needs [${shape.join(', ')}]`,
      );
    return t;
  };
  const m = get('adam.m', [total]).data;
  const v = get('adam.v', [total]).data;
  const hasEma = layout.some((l) => state.tensors.has(`ema/${l.spec.name}`));
  const out: TorchTensors = {
    model: new Map(),
    ema: hasEma ? new Map() : null,
    expAvg: new Map(),
    expAvgSq: new Map(),
  };
  for (const { spec, offset, tfShape } of layout) {
    const torch = (data: Float32Array) => toTorchLayout(spec, data, tfShape);
    out.model.set(spec.name, torch(get(`model/${spec.name}`, tfShape).data));
    out.ema?.set(spec.name, torch(get(`ema/${spec.name}`, tfShape).data));
    const n = size(tfShape);
    out.expAvg.set(spec.name, torch(m.subarray(offset, offset + n)));
    out.expAvgSq.set(spec.name, torch(v.subarray(offset, offset + n)));
  }
  return out;
}

/** The inverse of {@link labToTorch}: the `model/`, `ema/`, `adam.m`, `adam.v` tensors of a TrainerState. */
export function torchToLab(config: UNetConfig, torch: TorchTensors): Map<string, SavedTensor> {
  const layout = flatLayout(config);
  const total = layout.reduce((n, l) => n + size(l.tfShape), 0);
  const m = new Float32Array(total);
  const v = new Float32Array(total);
  const out = new Map<string, SavedTensor>();
  const get = (dict: StateDict, group: string, spec: ParamSpec) => {
    const t = dict.get(spec.name);
    if (!t) throw new TorchStateError(`${group} has no tensor ${spec.name}`);
    if (t.shape.join() !== spec.shape.join() || t.data.length !== size(spec.shape))
      throw new TorchStateError(
        `${group} tensor ${spec.name} has shape [${t.shape.join(', ')}], the model needs [${spec.shape.join(', ')}]`,
      );
    return toTfjsLayout(spec, t);
  };
  for (const { spec, offset } of layout) {
    out.set(`model/${spec.name}`, get(torch.model, 'unet', spec));
    if (torch.ema) out.set(`ema/${spec.name}`, get(torch.ema, 'ema', spec));
    m.set(get(torch.expAvg, 'exp_avg', spec).data, offset);
    v.set(get(torch.expAvgSq, 'exp_avg_sq', spec).data, offset);
  }
  out.set('adam.m', { shape: [total], data: m });
  out.set('adam.v', { shape: [total], data: v });
  return out;
}

/** The safetensors bytes of a PyTorch-layout training state (see the module comment). */
export function encodeTorchState(
  tensors: TorchTensors,
  meta: Omit<TorchStateMeta, 'format' | 'version'>,
): Uint8Array {
  const all = new Map<string, TensorToWrite>();
  const add = (prefix: string, dict: StateDict | null) => {
    for (const [name, t] of dict ?? []) all.set(prefix + name, t);
  };
  add(TORCH_STATE_PREFIX.model, tensors.model);
  add(TORCH_STATE_PREFIX.ema, tensors.ema);
  add(TORCH_STATE_PREFIX.expAvg, tensors.expAvg);
  add(TORCH_STATE_PREFIX.expAvgSq, tensors.expAvgSq);
  const full: TorchStateMeta = { format: TORCH_STATE_FORMAT, version: TORCH_STATE_VERSION, ...meta };
  return writeSafetensors(all, { [TORCH_STATE_META_KEY]: JSON.stringify(full) });
}

/** Reads a file written by {@link encodeTorchState} or by train.py; throws TorchStateError naming the problem. */
export function decodeTorchState(
  bytes: Uint8Array,
  fileName: string,
): { tensors: TorchTensors; meta: TorchStateMeta } {
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    throw new TorchStateError(`${fileName} is not a readable safetensors file: ${(e as Error).message}`);
  }
  const json = file.metadata[TORCH_STATE_META_KEY];
  if (json === undefined)
    throw new TorchStateError(
      `${fileName} has no "${TORCH_STATE_META_KEY}" metadata: not a training state of this project`,
    );
  let meta: TorchStateMeta;
  try {
    meta = JSON.parse(json) as TorchStateMeta;
  } catch (e) {
    throw new TorchStateError(`${fileName}: its metadata is not valid JSON: ${(e as Error).message}`);
  }
  if (meta.format !== TORCH_STATE_FORMAT || meta.version !== TORCH_STATE_VERSION)
    throw new TorchStateError(
      `${fileName} is format ${JSON.stringify(meta.format)} version ${JSON.stringify(meta.version)}; this lab reads ${TORCH_STATE_FORMAT} version ${TORCH_STATE_VERSION}`,
    );
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!count(meta.step) || !count(meta.adamStep) || !Array.isArray(meta.parameterOrder))
    throw new TorchStateError(
      `${fileName}: metadata needs step and adamStep (counts) and parameterOrder (a list)`,
    );
  if (file.nonFinite.length > 0)
    throw new TorchStateError(
      `${fileName}: tensors hold NaN or Infinity: ${file.nonFinite.slice(0, 5).join(', ')}`,
    );
  const groups: TorchTensors = { model: new Map(), ema: new Map(), expAvg: new Map(), expAvgSq: new Map() };
  for (const [key, t] of file.tensors) {
    const group = (Object.keys(TORCH_STATE_PREFIX) as (keyof TorchTensors)[]).find((g) =>
      key.startsWith(TORCH_STATE_PREFIX[g]),
    );
    if (!group) throw new TorchStateError(`${fileName}: unexpected tensor ${key}`);
    groups[group]!.set(key.slice(TORCH_STATE_PREFIX[group].length), { shape: t.shape, data: t.data });
  }
  if (groups.ema!.size === 0) groups.ema = null;
  return { tensors: groups, meta };
}
