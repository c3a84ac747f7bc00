/**
 * Every matrix product of one U-Net forward pass, from the config alone: each conv with its
 * geometry, each dense layer with its rows, each attention's two batched products, and beside them
 * the activation values the pass keeps. The FLOP and activation counts (flops.ts) and the WebGPU
 * GEMM census (webgpu/census.ts) all come from this one walk.
 */
import { sideMultiple, type UNetConfig } from './config';
import { planUNet, type AttentionPlan, type ResnetPlan } from './plan';

/** A conv's geometry (NHWC input, HWIO filter), the input as the conv sees it. */
export interface ConvGeometry {
  batch: number;
  /** The conv's input height and width (after the folded ×2 upsampling when `upsample`). */
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  co: number;
  stride: number;
  /** [top, bottom, left, right] zero padding. */
  pad: [number, number, number, number];
  /** The stored input is h/2 × w/2 and is read nearest-×2-upsampled. */
  upsample?: boolean;
}

/** One product of the forward pass. `dataInput`: its input is data, so backprop needs no input gradient. */
export type Product =
  /** `timeEmbedding`: the conv adds the time embedding per sample (a resnet's conv1). */
  | { kind: 'conv'; name: string; geometry: ConvGeometry; dataInput: boolean; timeEmbedding: boolean }
  | { kind: 'linear'; name: string; rows: number; inCh: number; outCh: number; dataInput: boolean }
  /** softmax(q·kᵀ)·v over `batch` = images × heads, each `tokens` × `d`. */
  | { kind: 'attention'; name: string; batch: number; tokens: number; d: number };

/** One forward pass: its products in forward order, and the float32 activation values it keeps. */
export interface ForwardWalk {
  products: Product[];
  /** Layer outputs of the pass (norms, activations, convs, sums, concatenations, attention scores), counted once. */
  activations: number;
}

/** The products of one forward pass of `batch` images of height × width, in forward order. */
export function forwardProducts(config: UNetConfig, batch: number, height: number, width: number): Product[] {
  return forwardWalk(config, batch, height, width).products;
}

/** The products and kept activations of one forward pass of `batch` images of height × width. */
export function forwardWalk(config: UNetConfig, batch: number, height: number, width: number): ForwardWalk {
  checkSize(config, batch, height, width);
  const plan = planUNet(config);
  const out: Product[] = [];
  let activations = 0;
  const keep = (values: number) => {
    activations += batch * values;
  };
  const side = (level: number) => [height / 2 ** level, width / 2 ** level] as const;
  const pixels = (level: number) => (height / 2 ** level) * (width / 2 ** level);
  const conv = (
    name: string,
    level: number,
    ci: number,
    co: number,
    k: number,
    extra: Partial<ConvGeometry> = {},
    dataInput = false,
    timeEmbedding = false,
  ) => {
    const [h, w] = side(level);
    const p = (k - 1) / 2;
    const geometry: ConvGeometry = {
      batch,
      h,
      w,
      ci,
      kh: k,
      kw: k,
      co,
      stride: 1,
      pad: [p, p, p, p],
      ...extra,
    };
    out.push({ kind: 'conv', name, geometry, dataInput, timeEmbedding });
  };
  const linear = (name: string, rows: number, inCh: number, outCh: number, dataInput = false) =>
    out.push({ kind: 'linear', name, rows, inCh, outCh, dataInput });
  const resnet = (r: ResnetPlan, level: number) => {
    // norm1, SiLU; conv1, + time embedding, norm2, SiLU, dropout, conv2, residual sum (+ shortcut).
    keep(pixels(level) * (2 * r.inChannels + (r.inChannels !== r.outChannels ? 8 : 7) * r.outChannels));
    linear(`${r.prefix}.time_emb_proj`, batch, plan.timeEmbedChannels, r.outChannels);
    conv(`${r.prefix}.conv1`, level, r.inChannels, r.outChannels, 3, {}, false, true);
    if (r.inChannels !== r.outChannels)
      conv(`${r.prefix}.conv_shortcut`, level, r.inChannels, r.outChannels, 1);
    conv(`${r.prefix}.conv2`, level, r.outChannels, r.outChannels, 3);
  };
  const attention = (a: AttentionPlan, level: number) => {
    const [h, w] = side(level);
    const tokens = h * w;
    // norm, q, k, v, softmax(q·kᵀ)·v, to_out, residual sum; scores and their softmax per head.
    keep(tokens * (7 * a.channels + 2 * a.heads * tokens));
    for (const proj of ['to_q', 'to_k', 'to_v'])
      linear(`${a.prefix}.${proj}`, batch * tokens, a.channels, a.channels);
    out.push({ kind: 'attention', name: a.prefix, batch: batch * a.heads, tokens, d: a.channels / a.heads });
    linear(`${a.prefix}.to_out.0`, batch * tokens, a.channels, a.channels);
  };

  linear('time_embedding.linear_1', batch, plan.timeChannels, plan.timeEmbedChannels, true);
  linear('time_embedding.linear_2', batch, plan.timeEmbedChannels, plan.timeEmbedChannels);
  conv('conv_in', 0, config.in_channels, plan.timeChannels, 3, {}, true);
  keep(pixels(0) * plan.timeChannels);
  const downPad: ConvGeometry['pad'] = config.downsample_padding === 0 ? [0, 1, 0, 1] : [1, 1, 1, 1];
  plan.down.forEach((block, level) => {
    block.resnets.forEach((r, j) => {
      resnet(r, level);
      if (block.attentions[j]) attention(block.attentions[j], level);
    });
    if (block.resample) {
      keep(pixels(level + 1) * block.resample.channels);
      conv(block.resample.prefix, level, block.resample.channels, block.resample.channels, 3, {
        stride: 2,
        pad: downPad,
      });
    }
  });
  const bottom = config.block_out_channels.length - 1;
  resnet(plan.mid.resnets[0], bottom);
  attention(plan.mid.attention, bottom);
  resnet(plan.mid.resnets[1], bottom);
  plan.up.forEach((block, i) => {
    const level = bottom - i;
    block.resnets.forEach((r, j) => {
      keep(pixels(level) * r.inChannels); // the skip concatenation
      resnet(r, level);
      if (block.attentions[j]) attention(block.attentions[j], level);
    });
    if (block.resample) {
      keep(2 * pixels(level - 1) * block.resample.channels); // nearest upsampling, then its conv
      conv(block.resample.prefix, level - 1, block.resample.channels, block.resample.channels, 3, {
        upsample: true,
      });
    }
  });
  keep(pixels(0) * (2 * plan.timeChannels + config.out_channels)); // norm_out, SiLU, conv_out
  conv('conv_out', 0, plan.timeChannels, config.out_channels, 3);
  return { products: out, activations };
}

/** Output height and width of a conv geometry. */
export function convOutputSide(g: ConvGeometry): [number, number] {
  return [
    Math.floor((g.h + g.pad[0] + g.pad[1] - g.kh) / g.stride) + 1,
    Math.floor((g.w + g.pad[2] + g.pad[3] - g.kw) / g.stride) + 1,
  ];
}

/** Multiply-adds of a product in the forward pass. */
export function productMacs(p: Product): number {
  switch (p.kind) {
    case 'conv': {
      const g = p.geometry;
      const [ho, wo] = convOutputSide(g);
      return g.batch * ho * wo * g.kh * g.kw * g.ci * g.co;
    }
    case 'linear':
      return p.rows * p.inCh * p.outCh;
    case 'attention':
      return 2 * p.batch * p.tokens * p.tokens * p.d;
  }
}

function checkSize(config: UNetConfig, batch: number, height: number, width: number): void {
  for (const [name, v] of [
    ['batch', batch],
    ['height', height],
    ['width', width],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  const m = sideMultiple(config);
  if (height % m !== 0 || width % m !== 0)
    throw new RangeError(`image sides ${height}×${width} must be divisible by 2^(levels−1) = ${m}`);
}
