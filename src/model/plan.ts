/**
 * The U-Net's structure derived from its config alone: every module with its diffusers name prefix
 * and channel counts, and every parameter with its PyTorch shape. The forward pass, the
 * initialisers, the state-dict checks and the parameter count all walk this one plan, so they
 * cannot disagree about a name or a shape.
 */
import { UNetConfigError, type UNetConfig } from './config';

/** One ResnetBlock2D (`norm1, conv1, time_emb_proj, norm2, conv2[, conv_shortcut]`). */
export interface ResnetPlan {
  prefix: string;
  inChannels: number;
  outChannels: number;
}

/** One self-attention block (`group_norm, to_q, to_k, to_v, to_out.0`). */
export interface AttentionPlan {
  prefix: string;
  channels: number;
  heads: number;
}

/** A down or up block: resnet i is followed by attention i when the block has attention. */
export interface BlockPlan {
  resnets: ResnetPlan[];
  attentions: AttentionPlan[];
  /** `downsamplers.0.conv` / `upsamplers.0.conv`, absent on the last level. */
  resample: { prefix: string; channels: number } | null;
}

/** The whole network, in forward order. */
export interface UNetPlan {
  config: UNetConfig;
  /** Width of the sinusoidal embedding (block_out_channels[0]) and of the time MLP (4×). */
  timeChannels: number;
  timeEmbedChannels: number;
  down: BlockPlan[];
  mid: { resnets: [ResnetPlan, ResnetPlan]; attention: AttentionPlan };
  up: BlockPlan[];
}

/** How a parameter is initialised and whether the optimiser sees it. */
export type ParamRole =
  | { kind: 'weight'; fanIn: number; fanOut: number; zeroInit: boolean }
  | { kind: 'bias'; fanIn: number }
  | { kind: 'ones' }
  | { kind: 'zeros' }
  | { kind: 'runningMean' }
  | { kind: 'runningVar' };

/** One tensor of the state dict, with its PyTorch shape. */
export interface ParamSpec {
  name: string;
  /** PyTorch layout: conv `[out, in, kh, kw]`, linear `[out, in]`, vectors `[n]`. */
  shape: number[];
  layout: 'conv' | 'linear' | 'vector';
  role: ParamRole;
  trainable: boolean;
}

/** Diffusers' module prefix of the BatchNorm that `lab_norm_after_conv_in: "batch"` adds. */
export const CONV_IN_NORM = 'conv_in_norm';

/** Builds the plan and checks what the config alone cannot: group and head divisibility. */
export function planUNet(config: UNetConfig): UNetPlan {
  const ch = config.block_out_channels;
  const levels = ch.length;
  const attention = (prefix: string, channels: number): AttentionPlan => {
    const headDim = config.attention_head_dim ?? channels;
    if (channels % headDim !== 0)
      throw new UNetConfigError(`attention_head_dim ${headDim} does not divide the ${channels} channels of ${prefix}`);
    return { prefix, channels, heads: channels / headDim };
  };

  const down: BlockPlan[] = [];
  let outCh = ch[0];
  for (let i = 0; i < levels; i++) {
    const inCh = outCh;
    outCh = ch[i];
    const p = `down_blocks.${i}`;
    const resnets = range(config.layers_per_block).map((j) => ({
      prefix: `${p}.resnets.${j}`,
      inChannels: j === 0 ? inCh : outCh,
      outChannels: outCh,
    }));
    const attentions =
      config.down_block_types[i] === 'AttnDownBlock2D' ? resnets.map((_, j) => attention(`${p}.attentions.${j}`, outCh)) : [];
    const resample = i < levels - 1 ? { prefix: `${p}.downsamplers.0.conv`, channels: outCh } : null;
    down.push({ resnets, attentions, resample });
  }

  const last = ch[levels - 1];
  const mid = {
    resnets: [0, 1].map((j) => ({ prefix: `mid_block.resnets.${j}`, inChannels: last, outChannels: last })) as [
      ResnetPlan,
      ResnetPlan,
    ],
    attention: attention('mid_block.attentions.0', last),
  };

  const rev = [...ch].reverse();
  const up: BlockPlan[] = [];
  outCh = rev[0];
  for (let i = 0; i < levels; i++) {
    const prevOut = outCh;
    outCh = rev[i];
    const skipLevelCh = rev[Math.min(i + 1, levels - 1)];
    const p = `up_blocks.${i}`;
    const n = config.layers_per_block + 1;
    // The last resnet of a level takes the skip saved before that level's first resnet on the way
    // down, i.e. the previous level's output (or conv_in's): diffusers' res_skip_channels.
    const resnets = range(n).map((j) => ({
      prefix: `${p}.resnets.${j}`,
      inChannels: (j === 0 ? prevOut : outCh) + (j === n - 1 ? skipLevelCh : outCh),
      outChannels: outCh,
    }));
    const attentions =
      config.up_block_types[i] === 'AttnUpBlock2D' ? resnets.map((_, j) => attention(`${p}.attentions.${j}`, outCh)) : [];
    const resample = i < levels - 1 ? { prefix: `${p}.upsamplers.0.conv`, channels: outCh } : null;
    up.push({ resnets, attentions, resample });
  }

  const plan: UNetPlan = { config, timeChannels: ch[0], timeEmbedChannels: ch[0] * 4, down, mid, up };
  checkGroups(plan);
  return plan;
}

function checkGroups(plan: UNetPlan): void {
  const g = plan.config.norm_num_groups;
  const check = (channels: number, where: string) => {
    if (channels % g !== 0)
      throw new UNetConfigError(`norm_num_groups ${g} does not divide the ${channels} channels at ${where}`);
  };
  for (const r of allResnets(plan)) {
    check(r.inChannels, `${r.prefix}.norm1`);
    check(r.outChannels, `${r.prefix}.norm2`);
  }
  for (const a of allAttentions(plan)) check(a.channels, `${a.prefix}.group_norm`);
  check(plan.timeChannels, 'conv_norm_out');
}

/** Every resnet in forward order. */
function allResnets(plan: UNetPlan): ResnetPlan[] {
  return [...plan.down.flatMap((b) => b.resnets), ...plan.mid.resnets, ...plan.up.flatMap((b) => b.resnets)];
}

/** Every attention block in forward order. */
function allAttentions(plan: UNetPlan): AttentionPlan[] {
  return [...plan.down.flatMap((b) => b.attentions), plan.mid.attention, ...plan.up.flatMap((b) => b.attentions)];
}

/** Every parameter of the model, in forward order (safetensors files sort by name anyway). */
export function paramSpecs(plan: UNetPlan): ParamSpec[] {
  const c = plan.config;
  const specs: ParamSpec[] = [];
  const conv = (name: string, out: number, inCh: number, k: number, zeroInit = false) => {
    specs.push({
      name: `${name}.weight`,
      shape: [out, inCh, k, k],
      layout: 'conv',
      role: { kind: 'weight', fanIn: inCh * k * k, fanOut: out * k * k, zeroInit },
      trainable: true,
    });
    specs.push(vector(`${name}.bias`, out, { kind: 'bias', fanIn: inCh * k * k }));
  };
  const linear = (name: string, out: number, inCh: number, zeroInit = false) => {
    specs.push({
      name: `${name}.weight`,
      shape: [out, inCh],
      layout: 'linear',
      role: { kind: 'weight', fanIn: inCh, fanOut: out, zeroInit },
      trainable: true,
    });
    specs.push(vector(`${name}.bias`, out, { kind: 'bias', fanIn: inCh }));
  };
  const norm = (name: string, n: number) => {
    specs.push(vector(`${name}.weight`, n, { kind: 'ones' }));
    specs.push(vector(`${name}.bias`, n, { kind: 'zeros' }));
  };
  const resnet = (r: ResnetPlan) => {
    norm(`${r.prefix}.norm1`, r.inChannels);
    conv(`${r.prefix}.conv1`, r.outChannels, r.inChannels, 3);
    linear(`${r.prefix}.time_emb_proj`, r.outChannels, plan.timeEmbedChannels);
    norm(`${r.prefix}.norm2`, r.outChannels);
    conv(`${r.prefix}.conv2`, r.outChannels, r.outChannels, 3, true);
    if (r.inChannels !== r.outChannels) conv(`${r.prefix}.conv_shortcut`, r.outChannels, r.inChannels, 1);
  };
  const attention = (a: AttentionPlan) => {
    norm(`${a.prefix}.group_norm`, a.channels);
    for (const proj of ['to_q', 'to_k', 'to_v']) linear(`${a.prefix}.${proj}`, a.channels, a.channels);
    linear(`${a.prefix}.to_out.0`, a.channels, a.channels, true);
  };
  const block = (b: BlockPlan) => {
    b.resnets.forEach((r, j) => {
      resnet(r);
      if (b.attentions[j]) attention(b.attentions[j]);
    });
    if (b.resample) conv(b.resample.prefix, b.resample.channels, b.resample.channels, 3);
  };

  conv('conv_in', plan.timeChannels, c.in_channels, 3);
  if (c.lab_norm_after_conv_in === 'batch') {
    norm(CONV_IN_NORM, plan.timeChannels);
    specs.push({ ...vector(`${CONV_IN_NORM}.running_mean`, plan.timeChannels, { kind: 'runningMean' }), trainable: false });
    specs.push({ ...vector(`${CONV_IN_NORM}.running_var`, plan.timeChannels, { kind: 'runningVar' }), trainable: false });
  }
  linear('time_embedding.linear_1', plan.timeEmbedChannels, plan.timeChannels);
  linear('time_embedding.linear_2', plan.timeEmbedChannels, plan.timeEmbedChannels);
  plan.down.forEach(block);
  resnet(plan.mid.resnets[0]);
  attention(plan.mid.attention);
  resnet(plan.mid.resnets[1]);
  plan.up.forEach(block);
  norm('conv_norm_out', plan.timeChannels);
  conv('conv_out', c.out_channels, plan.timeChannels, 3, true);
  return specs;
}

/** Number of scalars the optimiser trains, from the config alone (no tensors allocated). */
export function countParameters(config: UNetConfig): number {
  return paramSpecs(planUNet(config))
    .filter((s) => s.trainable)
    .reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

function vector(name: string, n: number, role: ParamRole): ParamSpec {
  return { name, shape: [n], layout: 'vector', role, trainable: true };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
