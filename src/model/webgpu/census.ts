/**
 * The GEMM census of one training step: every GEMM-like dispatch (forward, input gradient, filter
 * gradient, attention, dense) with its shape, tile, workgroup count and tile use, from the
 * config alone through the same planners the kernels run (gemm.ts), and the same list as tfjs
 * 4.22's own programs would cut it (the path before the lab's GEMM kernels), for comparison.
 */
import type { UNetConfig } from '../config';
import { convOutputSide, forwardProducts } from '../products';
import {
  convFilterGradKernel,
  convForwardKernel,
  convInputGradKernel,
  denseWeightGradKernel,
  denseView,
  matMulKernel,
  tileUse,
  viewMatMulKernel,
  weightGradParts,
  type GemmKernel,
  type MatMulShape,
} from './gemm';

/** One GEMM-like dispatch of a training step. */
export interface CensusRow {
  /** What it computes: `conv forward`, `conv input gradient`, `conv filter gradient`, `dense …`, `attention …`. */
  kernel: string;
  layer: string;
  /** Per batch entry: C [m, n] = A [m, k] · B [k, n]. */
  m: number;
  n: number;
  k: number;
  /** Independent products in the dispatch (attention: images × heads). */
  batch: number;
  gflop: number;
  /** `BM×BN×BK/TM×TN` (+ `·splits` for split-K), or how tfjs runs it. */
  tile: string;
  workgroups: number;
  /** Useful multiply-adds over those the tiles issue. */
  tileUse: number;
}

const gflop = (m: number, n: number, k: number, batch: number) => (2 * m * n * k * batch) / 1e9;

function labRow(kernel: string, layer: string, g: GemmKernel, wastedTaps = 1): CensusRow {
  const p = g.plan;
  const t = p.tile;
  return {
    kernel,
    layer,
    m: p.m,
    n: p.n,
    k: p.k,
    batch: p.batch,
    gflop: gflop(p.m, p.n, p.k, p.batch),
    tile: `${t.bm}×${t.bn}×${t.bk}/${t.tm}×${t.tn}${p.splits > 1 ? `·${p.splits}` : ''}`,
    workgroups: p.workgroups,
    tileUse: p.tileUse / wastedTaps,
  };
}

/** The lab's GEMM dispatches of one training step (forward and backward) of `batch` images. */
export function labCensus(config: UNetConfig, batch: number, height: number, width: number): CensusRow[] {
  const rows: CensusRow[] = [];
  const mm = (kernel: string, layer: string, s: MatMulShape) =>
    rows.push(labRow(kernel, layer, matMulKernel(s)));
  // The attention core's products (`groups` of one shape in one dispatch); views do not change the cut.
  const core = (kernel: string, layer: string, b: number, m: number, n: number, k: number, groups = 1) => {
    const operand = { input: 'x', trans: false, view: denseView(m, k) };
    const group = { a: operand, b: operand, c: denseView(m, n) };
    const s = { batch: b, m, n, k, groups: Array.from({ length: groups }, () => group), outputShape: [] };
    rows.push(labRow(kernel, layer, viewMatMulKernel(s)));
  };
  for (const p of forwardProducts(config, batch, height, width)) {
    // to_k and to_v run with to_q as one GEMM each way (gemmOps' projectionsGemm).
    if (p.kind === 'linear' && /\.to_[kv]$/.test(p.name)) continue;
    if (p.kind === 'linear' && p.name.endsWith('.to_q')) {
      const { rows: r, inCh, outCh } = p;
      const layer = `${p.name.slice(0, -'.to_q'.length)}.to_q|to_k|to_v`;
      const [n, parts] = [3 * outCh, [outCh, outCh, outCh]];
      const shared = { batch: 1, sharedB: true, bParts: parts };
      mm('dense forward', layer, { ...shared, m: r, n, k: inCh, transA: false, transB: false });
      mm('dense input gradient', layer, { ...shared, m: r, n: inCh, k: n, transA: false, transB: true });
      rows.push(
        labRow('dense weight gradient', layer, denseWeightGradKernel(r, inCh, n, weightGradParts(parts))),
      );
      continue;
    }
    if (p.kind === 'conv') {
      const g = p.geometry;
      rows.push(labRow('conv forward', p.name, convForwardKernel(g)));
      // tfjs' customGrad computes every input's gradient, a data input's (conv_in's x) too.
      rows.push(labRow('conv input gradient', p.name, convInputGradKernel(g), g.stride * g.stride));
      // The bias gradient is the filter gradient's ones row (one more row of m), the time
      // embedding's gradient one more row per sample.
      rows.push(labRow('conv filter gradient', p.name, convFilterGradKernel(g, true, p.timeEmbedding)));
    } else if (p.kind === 'linear') {
      const { rows: r, inCh, outCh } = p;
      mm('dense forward', p.name, { batch: 1, m: r, n: outCh, k: inCh, transA: false, transB: false });
      mm('dense input gradient', p.name, {
        batch: 1,
        m: r,
        n: inCh,
        k: outCh,
        transA: false,
        transB: true,
      });
      rows.push(labRow('dense weight gradient', p.name, denseWeightGradKernel(r, inCh, outCh)));
    } else {
      const { batch: b, tokens: L, d } = p;
      core('attention q·kᵀ', p.name, b, L, L, d);
      core('attention P·v', p.name, b, L, d, L);
      core('attention dP = dO·vᵀ', p.name, b, L, L, d);
      core('attention dq = dS·k, dk = dSᵀ·q, dv = Pᵀ·dO', p.name, b, L, d, L, 3);
    }
  }
  return rows;
}

/** tfjs 4.22's matrix-product programs: 32×32 output tiles (8×8 threads, 4×4 outputs each). */
const TFJS_TILE = { bm: 32, bn: 32, bk: 32, tm: 4, tn: 4 };

function tfjsGemm(
  kernel: string,
  layer: string,
  m: number,
  n: number,
  k: number,
  batch: number,
  how: string,
): CensusRow {
  return {
    kernel,
    layer,
    m,
    n,
    k,
    batch,
    gflop: gflop(m, n, k, batch),
    tile: how,
    workgroups: Math.ceil(m / 32) * Math.ceil(n / 32) * batch,
    tileUse: tileUse(m, n, TFJS_TILE),
  };
}

/**
 * The same step as the fused path before the GEMM kernels ran it (modelled from tfjs 4.22's
 * program choices): forward convs as `Conv2DMMProgram` (32×32 tiles per image over pixels ×
 * channels), input gradients as `Conv2DDerInputProgram` (direct: one thread per input value,
 * 64 per workgroup, every tap tried), filter gradients as im2col + `MatMulPackedProgram` up to
 * 64 MB of patches, else convGrad.ts' forward conv (one image per input channel, the taps as its
 * 32-row tile), dense layers and attention as 32×32-tiled (batched) matmuls.
 */
export function tfjsCensus(config: UNetConfig, batch: number, height: number, width: number): CensusRow[] {
  const rows: CensusRow[] = [];
  for (const p of forwardProducts(config, batch, height, width)) {
    if (p.kind === 'conv') {
      const g = p.geometry;
      const [ho, wo] = convOutputSide(g);
      const taps = g.kh * g.kw;
      rows.push(tfjsGemm('conv forward', p.name, ho * wo, g.co, taps * g.ci, g.batch, 'Conv2DMM 32×32'));
      if (!p.dataInput) {
        const outputs = g.batch * g.h * g.w * g.ci;
        rows.push({
          kernel: 'conv input gradient',
          layer: p.name,
          m: g.batch * g.h * g.w,
          n: g.ci,
          k: taps * g.co,
          batch: 1,
          gflop: gflop(g.batch * g.h * g.w, g.ci, taps * g.co, 1),
          tile: 'Conv2DDerInput direct',
          workgroups: Math.ceil(outputs / 64),
          tileUse: 1 / (g.stride * g.stride),
        });
      }
      const pixels = g.batch * ho * wo;
      rows.push(
        pixels * taps * g.ci <= 16 * 1024 * 1024
          ? tfjsGemm(
              'conv filter gradient',
              p.name,
              taps * g.ci,
              g.co,
              pixels,
              1,
              'im2col + MatMulPacked 32×32',
            )
          : tfjsGemm(
              'conv filter gradient',
              p.name,
              taps,
              g.co,
              pixels,
              g.ci,
              'Conv2DMM 32×32 (convGrad.ts)',
            ),
      );
    } else if (p.kind === 'linear') {
      const { rows: r, inCh, outCh } = p;
      rows.push(tfjsGemm('dense forward', p.name, r, outCh, inCh, 1, 'MatMulPacked 32×32'));
      if (!p.dataInput)
        rows.push(tfjsGemm('dense input gradient', p.name, r, inCh, outCh, 1, 'MatMulPacked 32×32'));
      rows.push(tfjsGemm('dense weight gradient', p.name, inCh, outCh, r, 1, 'MatMulPacked 32×32'));
    } else {
      const { batch: b, tokens: L, d } = p;
      const bmm = (kernel: string, m: number, n: number, k: number) =>
        rows.push(tfjsGemm(kernel, p.name, m, n, k, b, 'BatchMatMul 32×32'));
      bmm('attention q·kᵀ', L, L, d);
      bmm('attention P·v', L, d, L);
      bmm('attention dP = dO·vᵀ', L, L, d);
      bmm('attention dv = Pᵀ·dO', L, d, L);
      bmm('attention dq = dS·k', L, d, L);
      bmm('attention dk = dSᵀ·q', L, d, L);
    }
  }
  return rows;
}

/** Of the GEMMs over 1 GFLOP: how many, and how many miss the workgroup or tile-use target. */
export function censusSummary(
  rows: readonly CensusRow[],
  targetWorkgroups: number,
): {
  large: number;
  fewWorkgroups: number;
  lowTileUse: number;
  gflop: number;
  /** GFLOP-weighted mean tile use over all rows. */
  meanTileUse: number;
} {
  const large = rows.filter((r) => r.gflop > 1);
  const gflopTotal = rows.reduce((s, r) => s + r.gflop, 0);
  return {
    large: large.length,
    fewWorkgroups: large.filter((r) => r.workgroups < targetWorkgroups).length,
    lowTileUse: large.filter((r) => r.tileUse < 0.8).length,
    gflop: gflopTotal,
    meanTileUse: rows.reduce((s, r) => s + r.gflop * r.tileUse, 0) / gflopTotal,
  };
}
