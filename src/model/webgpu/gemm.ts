/**
 * One register-tiled GEMM kernel family for every matrix product of the U-Net on WebGPU: the three
 * convolution products as implicit GEMMs (forward, input gradient, filter gradient with split-K),
 * dense layers and the batched attention products. A product is C[z][m, n] = Σ_k A[z](m, k) ·
 * B[z](k, n); what varies is how A and B are read (the loaders: im2col with the zero padding,
 * stride and nearest ×2 upsampling folded in, a transposed conv's gather, a plain or transposed
 * matrix) and what is added on the way out (the epilogue: bias, residual, a per-sample channel
 * bias such as the time embedding, a scale).
 *
 * Everything here is pure: shapes in, a {@link GemmKernel} out (WGSL body, bindings, uniform layout
 * and values, workgroup size and dispatch). `gemmOps.ts` runs kernels through tfjs' WebGPU backend;
 * {@link standaloneShader} turns one into a complete WGSL module with fixed bindings for a
 * compiled training step that owns its device, pipelines and bind groups.
 *
 * Each workgroup of T = (BM/TM)·(BN/TN) threads computes a BM×BN tile of C in steps of BK along k:
 * it stages a BK×BM slice of A and a BK×BN slice of B in workgroup memory, then every thread
 * accumulates its TM×TN outputs in registers (rows strided by BM/TM, columns by BN/TN, so reads of
 * B's slice are consecutive across threads). Tile sizes come from {@link TILES} per shape
 * ({@link chooseTile}); workgroup z indexes the batch and, for split-K, the k-chunk, whose partial
 * sums a second pass ({@link reduceKernel}) adds up.
 */

import { convOutputSide, type ConvGeometry } from '../products';
import { kernelFeatures } from './features';

/** A tile shape: BM×BN outputs per workgroup, BK deep per step, TM×TN outputs per thread. */
export interface Tile {
  bm: number;
  bn: number;
  bk: number;
  tm: number;
  tn: number;
}

/**
 * The tile table, most efficient first (more outputs per thread means more multiply-adds per
 * value read from workgroup memory). Every tile has 256 or fewer threads (WebGPU's default
 * limit). The narrow ones serve products with a few output columns (conv_out's 1 or 3 channels).
 */
export const TILES: readonly Tile[] = [
  { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 },
  { bm: 64, bn: 32, bk: 16, tm: 4, tn: 2 },
  { bm: 32, bn: 64, bk: 16, tm: 2, tn: 4 },
  { bm: 32, bn: 32, bk: 16, tm: 2, tn: 2 },
  { bm: 128, bn: 8, bk: 16, tm: 4, tn: 1 },
  { bm: 128, bn: 4, bk: 16, tm: 2, tn: 1 },
];

/** Workgroups wanted per product: two per SM of a 132-SM GPU (H100/H200). */
export const TARGET_WORKGROUPS = 264;

/** Multiply-adds per value read from workgroup memory, relative to the 64×64 tile. */
function tileEfficiency(t: Tile): number {
  return (t.tm * t.tn) / (t.tm + t.tn) / 2;
}

const threads = (t: Tile) => (t.bm / t.tm) * (t.bn / t.tn);

/** Useful multiply-adds over those the tiles issue, for an m×n output (k is never padded). */
export function tileUse(m: number, n: number, t: Tile): number {
  return (m * n) / (Math.ceil(m / t.bm) * t.bm * Math.ceil(n / t.bn) * t.bn);
}

/** How a product is cut: its tile, the k-chunks per batch entry, and what that gives. */
export interface GemmPlan {
  m: number;
  n: number;
  k: number;
  batch: number;
  tile: Tile;
  /** k-chunks (split-K); 1 means one pass writes C directly. */
  splits: number;
  /** k per chunk, a multiple of BK. */
  kChunk: number;
  workgroups: number;
  tileUse: number;
}

/**
 * Picks the tile (and, when `splitK`, the number of k-chunks) for an m×n×k product repeated
 * `batch` times: the most efficient tile that keeps ≥ 80 % of its multiply-adds useful and gives
 * {@link TARGET_WORKGROUPS}, else the best compromise of the three. Split-K adds chunks of at least
 * 256 k until the target is met (a 4×4 level's filter gradient has few output tiles and a long k).
 */
export function chooseTile(m: number, n: number, k: number, batch = 1, splitK = false): GemmPlan {
  let best: GemmPlan | null = null;
  let bestScore = -1;
  for (const tile of TILES) {
    const tiles = Math.ceil(m / tile.bm) * Math.ceil(n / tile.bn) * batch;
    let splits = 1;
    if (splitK && tiles < TARGET_WORKGROUPS)
      splits = Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / tiles), Math.floor(k / 256)));
    const kChunk = Math.ceil(k / splits / tile.bk) * tile.bk;
    splits = Math.max(1, Math.ceil(k / kChunk));
    const workgroups = tiles * splits;
    const use = tileUse(m, n, tile);
    const plan: GemmPlan = { m, n, k, batch, tile, splits, kChunk, workgroups, tileUse: use };
    const fill = Math.min(1, workgroups / TARGET_WORKGROUPS);
    // A tile that meets both targets beats any that does not; among those, efficiency decides.
    const score = (use >= 0.8 && fill === 1 ? 10 : 0) + use * fill * tileEfficiency(tile);
    if (score > bestScore) {
      best = plan;
      bestScore = score;
    }
  }
  return best!;
}

/** A uniform of a kernel: its WGSL name, type and value. */
export interface GemmUniform {
  name: string;
  type: 'i32' | 'f32';
  value: number;
}

/**
 * A GEMM kernel ready to dispatch: an {@link ElementwiseKernel}'s parts and the tiling plan. The
 * WGSL body uses `result` (binding 0, read_write array<f32>), the inputs by name (bindings 1…,
 * read-only array<f32>), the side outputs (read_write, after the inputs), `uniforms.<name>`, and
 * the builtins as private variables `localIndex : u32` and `workgroupId : vec3<u32>`; it defines
 * `fn gemm()`, the whole work of one invocation.
 */
export interface GemmKernel extends ElementwiseKernel {
  plan: GemmPlan;
}

/** A side output's binding name and shape. */
export interface SideOutputShape {
  name: string;
  shape: number[];
  /**
   * Written into the kernel input of this name (bound read_write) instead of a new tensor, at
   * the kernel's offset for it: a per-sample bias gradient landing in its window of a wider buffer.
   */
  inPlace?: boolean;
  /** Where an in-place side output's values start in that input. */
  offset?: number;
}

/** What is added to each output C[z][m, n] on the way out. */
export interface Epilogue {
  /** + bias[n] (input `bias`). */
  bias?: boolean;
  /** + res[z][m, n] (input `res`, same layout as the output): a residual connection. */
  residual?: boolean;
  /**
   * + rowBias[rowBiasOffset + (m / rowsPerSample)·N + n] (input `rowBias`): e.g. the time
   * embedding per sample, read from a window of a larger buffer when `rowBiasOffset` > 0.
   */
  rowBias?: boolean;
  rowBiasOffset?: number;
  /** × alpha, before the additions. */
  alpha?: number;
}

/**
 * A loader: WGSL for `fn rowA(z, m) -> vec4<i32>` (what depends on the fixed index, computed
 * once per thread and staging slot; x < 0 marks a row out of range) and `fn loadA(r, k) -> f32`
 * (likewise `colB`/`loadB`), and which index is contiguous in memory (staging reads along it).
 */
interface Operand {
  code: string;
  kContiguous: boolean;
}

/** What {@link assemble} builds a GEMM kernel from. */
export interface GemmBody {
  key: string;
  inputs: string[];
  uniforms: GemmUniform[];
  a: Operand;
  b: Operand;
  epilogue: Epilogue;
  outputShape: number[];
  plan: GemmPlan;
  /**
   * A's row m = uniforms.Mw (after the weight's rows) is all ones, so C's row Mw is Σ_k B(k, n):
   * the bias gradient beside a weight gradient in the same pass. Unsplit, that row goes to the
   * side output `dbias` [n]; split, it stays in the partial sums for {@link reduceKernel} to
   * split off.
   */
  onesRow?: boolean;
  /**
   * After the ones row, this many rows whose A is one where k belongs to sample b (row Mw + 1 +
   * b), so C gets Σ over each sample's k of B: the gradient of a per-sample channel bias (the time
   * embedding). Unsplit they go to the side output `drow` [samples, n].
   */
  sampleRows?: number;
  /** C's columns go to several tensors ({@link ColumnParts}); no epilogue, no per-sample rows. */
  columnParts?: ColumnParts;
  /** The epilogue's bias from several inputs: their names and the WGSL value at column n. */
  bias?: { inputs: string[]; at: string };
  /** WGSL: C's (z, m, n) flat index in `result` (default: row-major [batch, M, N]). */
  outputIndex?: string;
  /** Where the `sampleRows` sums start in `drow` (an in-place window, see {@link biasRowOutputs}). */
  drowOffset?: number;
  /** WGSL body of `fn storeC(z, m, n, acc)` replacing the epilogue's store (a grouped product's layout). */
  store?: string;
}

/**
 * C's columns cut into consecutive parts, each written to its own tensor: part j (`widths[j]`
 * columns) to `names[j]` as [rows, widths[j]] (the first name is the kernel's output `result`, the
 * others side outputs), and the ones row's (`Body.onesRow`, which column parts come with) part j
 * to `biasNames[j]`.
 * E.g. three weight gradients (and their biases') from one GEMM over their concatenated columns.
 */
export interface ColumnParts {
  names: string[];
  widths: number[];
  biasNames: string[];
}

/** The uniforms of {@link ColumnParts}: part j's first column `cP<j>` (j ≥ 1) and width `cQ<j>`. */
function columnPartsUniforms(p: ColumnParts): GemmUniform[] {
  return [
    ...p.widths.slice(1).map((_, j) =>
      u(
        `cP${j + 1}`,
        p.widths.slice(0, j + 1).reduce((x, y) => x + y, 0),
      ),
    ),
    ...p.widths.map((w, j) => u(`cQ${j}`, w)),
  ];
}

/**
 * WGSL: `storePart(row, n, v)` writes C's (row, n) into the part that holds column n, and
 * `storeBiasPart(n, v)` the ones row's value likewise.
 */
function columnPartsCode(p: ColumnParts): string {
  // Part j's index of column n: row · width + n − first column (no row for the bias parts).
  const store = (fn: string, names: string[], rows: boolean) => {
    const at = (j: number) =>
      `${rows ? `row * uniforms.cQ${j} + ` : ''}n${j > 0 ? ` - uniforms.cP${j}` : ''}`;
    const chain = names
      .map((name, j) => `${j > 0 ? `if (n >= uniforms.cP${j}) ` : ''}{ ${name}[${at(j)}] = v; return; }`)
      .reverse()
      .join('\n    ');
    return `fn ${fn}(${rows ? 'row : i32, ' : ''}n : i32, v : f32) {
    ${chain}
  }`;
  };
  return [store('storePart', p.names, true), store('storeBiasPart', p.biasNames, false)].join('\n  ');
}

/** The side outputs of {@link ColumnParts} for C's `rows` (its shape but the last axis): the parts after the first, then the bias parts. */
export function columnPartsOutputs(p: ColumnParts, rows: number[]): SideOutputShape[] {
  return [
    ...p.names.slice(1).map((name, i) => ({ name, shape: [...rows, p.widths[i + 1]] })),
    ...p.biasNames.map((name, i) => ({ name, shape: [p.widths[i]] })),
  ];
}

/**
 * The side outputs that C's rows from `GemmBody.onesRow` on go to: `dbias`, then `drow` (written
 * in place into the input `drow` from `drowOffset` on when that is given).
 */
export function biasRowOutputs(n: number, sampleRows = 0, drowOffset?: number): SideOutputShape[] {
  const window = drowOffset === undefined ? {} : { inPlace: true, offset: drowOffset };
  return [
    { name: 'dbias', shape: [n] },
    ...(sampleRows > 0 ? [{ name: 'drow', shape: [sampleRows, n], ...window }] : []),
  ];
}

const u = (name: string, value: number, type: 'i32' | 'f32' = 'i32'): GemmUniform => ({ name, type, value });

/**
 * The shared GEMM body around the loaders and the epilogue. `f16` (the `shader-f16` switch, by
 * default what the device was granted) stages the A and B tiles in workgroup memory as f16, half
 * the bytes per tile, still multiplying and accumulating in f32 (~1e-3 relative from rounding
 * the operands).
 */
export function assemble(b: GemmBody, f16 = kernelFeatures().shaderF16): GemmKernel {
  const staged = f16 ? 'f16' : 'f32';
  const { tile: t, m, n, k, splits, kChunk, batch } = b.plan;
  const e = b.epilogue;
  // Partial sums of a split product are only summed later: nothing may be added to each.
  if (splits > 1 && (batch > 1 || e.bias || e.residual || e.rowBias || e.alpha !== undefined))
    throw new Error(`${b.key}: split-K takes one batch entry and no epilogue`);
  const T = threads(t);
  const TX = t.bn / t.tn;
  const TY = t.bm / t.tm;
  const slotsA = Math.ceil((t.bm * t.bk) / T);
  const slotsB = Math.ceil((t.bn * t.bk) / T);
  // Staging slot l of a thread: element tid + l·T of the BK×BM (BK×BN) slice, walked along the
  // operand's contiguous index so neighbouring threads read neighbouring addresses; r is the
  // slot's row (column) in the tile, q its k, both fixed for the whole k loop.
  const stage = (p: string, l: number, rows: number, kContiguous: boolean, fixed: string) => {
    const e = `tid + ${l * T}`;
    const [r, q] = kContiguous
      ? [`(${e}) / ${t.bk}`, `(${e}) % ${t.bk}`]
      : [`(${e}) % ${rows}`, `(${e}) / ${rows}`];
    return `let ${p}r${l} = ${r};\n    let ${p}q${l} = ${q};\n    let ${p}f${l} = ${fixed}(batchIndex, ${p === 'a' ? 'm0' : 'n0'} + ${p}r${l});`;
  };
  const stageA = Array.from({ length: slotsA }, (_, l) => stage('a', l, t.bm, b.a.kContiguous, 'rowA')).join(
    '\n    ',
  );
  const stageB = Array.from({ length: slotsB }, (_, l) => stage('b', l, t.bn, b.b.kContiguous, 'colB')).join(
    '\n    ',
  );
  // A narrow tile stages fewer values than it has threads: the others skip the store.
  const load = (p: string, l: number, rows: number, fn: string, shared: string) => {
    const body = `let kk = k0 + ${p}q${l}; var v = 0.0; if (kk < kEnd && ${p}f${l}.x >= 0) { v = ${fn}(${p}f${l}, kk); } ${shared}[${p}q${l} * ${rows} + ${p}r${l}] = ${staged}(v);`;
    return (l + 1) * T > rows * t.bk ? `if (tid + ${l * T} < ${rows * t.bk}) { ${body} }` : `{ ${body} }`;
  };
  const loadA = Array.from({ length: slotsA }, (_, l) => load('a', l, t.bm, 'loadA', 'As')).join('\n      ');
  const loadB = Array.from({ length: slotsB }, (_, l) => load('b', l, t.bn, 'loadB', 'Bs')).join('\n      ');
  const regs: string[] = [];
  for (let i = 0; i < t.tm; i++) regs.push(`let a${i} = f32(As[kk * ${t.bm} + ty + ${i * TY}]);`);
  for (let j = 0; j < t.tn; j++) regs.push(`let b${j} = f32(Bs[kk * ${t.bn} + tx + ${j * TX}]);`);
  for (let i = 0; i < t.tm; i++)
    for (let j = 0; j < t.tn; j++)
      regs.push(`acc[${i * t.tn + j}] = fma(a${i}, b${j}, acc[${i * t.tn + j}]);`);
  const stores: string[] = [];
  for (let i = 0; i < t.tm; i++)
    for (let j = 0; j < t.tn; j++)
      stores.push(
        `{ let m = m0 + ty + ${i * TY}; let n = n0 + tx + ${j * TX}; if (m < uniforms.M && n < uniforms.N) { storeC(z, m, n, acc[${i * t.tn + j}]); } }`,
      );
  const biasOut = b.onesRow === true && splits === 1;
  const parts = b.columnParts;
  if (parts && (e.bias || e.residual || e.rowBias || e.alpha !== undefined || b.sampleRows))
    throw new Error(`${b.key}: column parts take no epilogue and no per-sample rows`);
  if (parts && !b.onesRow) throw new Error(`${b.key}: column parts come with a ones row (their bias parts)`);
  // Split, the partial sums stay whole for the sum pass to cut (reduceKernel's `parts`).
  const partsOut = parts && splits === 1 ? parts : undefined;
  const inputs = [...b.inputs];
  if (e.bias) inputs.push(...(b.bias?.inputs ?? ['bias']));
  if (e.residual) inputs.push('res');
  if (e.rowBias) inputs.push('rowBias');
  const uniforms = [
    u('M', m),
    u('N', n),
    u('K', k),
    u('splits', splits),
    u('kChunk', kChunk),
    ...(e.alpha !== undefined ? [u('alpha', e.alpha, 'f32')] : []),
    ...(b.onesRow ? [u('Mw', m - 1 - (b.sampleRows ?? 0))] : []),
    ...(partsOut ? columnPartsUniforms(partsOut) : []),
    ...(e.rowBias ? [u('rowBiasOffset', e.rowBiasOffset ?? 0)] : []),
    ...(biasOut && b.sampleRows ? [u('drowOffset', b.drowOffset ?? 0)] : []),
    ...b.uniforms,
  ];
  const storeBody = partsOut
    ? `${biasOut ? 'if (m >= uniforms.Mw) { storeBiasPart(n, acc); return; }' : ''}
    storePart(z * uniforms.M + m, n, acc);`
    : `${biasOut ? `if (m >= uniforms.Mw) { ${b.sampleRows ? 'if (m > uniforms.Mw) { drow[uniforms.drowOffset + (m - uniforms.Mw - 1) * uniforms.N + n] = acc; return; }' : ''} dbias[n] = acc; return; }` : ''}
    let o = ${b.outputIndex ?? '(z * uniforms.M + m) * uniforms.N + n'};
    var v = acc${e.alpha !== undefined ? ' * uniforms.alpha' : ''};
    ${e.bias ? `v = v + ${b.bias?.at ?? 'bias[n]'};` : ''}
    ${e.residual ? 'v = v + res[o];' : ''}
    ${e.rowBias ? 'v = v + rowBias[uniforms.rowBiasOffset + (m / uniforms.rowsPerSample) * uniforms.N + n];' : ''}
    result[o] = v;`;
  const epilogueKey = `${e.bias ? 'b' : ''}${e.residual ? 'r' : ''}${e.rowBias ? 't' : ''}${e.alpha !== undefined ? 'a' : ''}${b.onesRow ? (biasOut ? 'o' : 'O') : ''}${b.sampleRows ? 's' : ''}${partsOut ? `c${partsOut.names.length}` : ''}`;
  const code = `
  var<workgroup> As : array<${staged}, ${t.bm * t.bk}>;
  var<workgroup> Bs : array<${staged}, ${t.bn * t.bk}>;
  ${b.a.code}
  ${b.b.code}
  ${partsOut ? columnPartsCode(partsOut) : ''}
  fn storeC(z : i32, m : i32, n : i32, acc : f32) {
    ${b.store ?? storeBody}
  }
  fn gemm() {
    let tid = i32(localIndex);
    let tx = tid % ${TX};
    let ty = tid / ${TX};
    let n0 = i32(workgroupId.x) * ${t.bn};
    let m0 = i32(workgroupId.y) * ${t.bm};
    let z = i32(workgroupId.z);
    let batchIndex = z / uniforms.splits;
    let kBegin = (z - batchIndex * uniforms.splits) * uniforms.kChunk;
    let kEnd = min(kBegin + uniforms.kChunk, uniforms.K);
    ${stageA}
    ${stageB}
    var acc : array<f32, ${t.tm * t.tn}>;
    // The loop count must be uniform (it has barriers), so every chunk runs kChunk / BK steps;
    // the loads leave what lies past kEnd at zero.
    for (var step = 0; step < uniforms.kChunk / ${t.bk}; step = step + 1) {
      let k0 = kBegin + step * ${t.bk};
      ${loadA}
      ${loadB}
      workgroupBarrier();
      for (var kk = 0; kk < ${t.bk}; kk = kk + 1) {
        ${regs.join('\n        ')}
      }
      workgroupBarrier();
    }
    ${stores.join('\n    ')}
  }`;
  return {
    key: `${b.key}_${t.bm}x${t.bn}x${t.bk}_${t.tm}x${t.tn}_${epilogueKey}${f16 ? '_h' : ''}`,
    ...(f16 ? { directives: 'enable f16;' } : {}),
    inputs,
    ...(biasOut && !partsOut ? { sideOutputs: biasRowOutputs(n, b.sampleRows, b.drowOffset) } : {}),
    ...(partsOut ? { sideOutputs: columnPartsOutputs(partsOut, b.outputShape.slice(0, -1)) } : {}),
    outputShape: partsOut ? [...b.outputShape.slice(0, -1), partsOut.widths[0]] : b.outputShape,
    uniforms,
    workgroupSize: [T, 1, 1],
    dispatch: [Math.ceil(n / t.bn), Math.ceil(m / t.bm), batch * splits],
    code,
    plan: b.plan,
  };
}

function convUniforms(g: ConvGeometry): GemmUniform[] {
  const [ho, wo] = convOutputSide(g);
  return [
    u('H', g.h),
    u('W', g.w),
    u('srcH', g.upsample ? g.h / 2 : g.h),
    u('srcW', g.upsample ? g.w / 2 : g.w),
    u('Ci', g.ci),
    u('Ho', ho),
    u('Wo', wo),
    u('Co', g.co),
    u('KW', g.kw),
    u('stride', g.stride),
    u('top', g.pad[0]),
    u('left', g.pad[2]),
  ];
}

/** WGSL: the stored input's value at conv-input pixel (b, iy, ix), channel c, or 0 outside. */
function inputPixel(upsample: boolean | undefined): string {
  const [y, xx] = upsample ? ['(iy >> 1u)', '(ix >> 1u)'] : ['iy', 'ix'];
  return `
  fn inputAt(b : i32, iy : i32, ix : i32, c : i32) -> f32 {
    if (iy < 0 || iy >= uniforms.H || ix < 0 || ix >= uniforms.W) { return 0.0; }
    return x[((b * uniforms.srcH + ${y}) * uniforms.srcW + ${xx}) * uniforms.Ci + c];
  }`;
}

function checkConv(g: ConvGeometry): void {
  if (g.upsample && (g.h % 2 !== 0 || g.w % 2 !== 0))
    throw new RangeError(`an upsampled conv input must have even sides, got ${g.h}×${g.w}`);
  const [ho, wo] = convOutputSide(g);
  if (ho < 1 || wo < 1) throw new RangeError(`conv output would be ${ho}×${wo}`);
}

/**
 * The forward conv: C[m = (b, oy, ox), n = co] = Σ_{k = (i, j, ci)} xpad[b, s·oy+i, s·ox+j, ci] ·
 * w[i, j, ci, co]. Inputs `x` (stored NHWC; h/2 × w/2 when upsampled) and `w` (HWIO), then the
 * epilogue's. `rowBias` is per sample ([batch, co]).
 */
export function convForwardKernel(g: ConvGeometry, epilogue: Epilogue = {}): GemmKernel {
  checkConv(g);
  const [ho, wo] = convOutputSide(g);
  const plan = chooseTile(g.batch * ho * wo, g.co, g.kh * g.kw * g.ci);
  return assemble({
    key: `lab_conv_fwd${g.upsample ? '_up' : ''}`,
    inputs: ['x', 'w'],
    uniforms: [...convUniforms(g), u('rowsPerSample', ho * wo)],
    a: {
      kContiguous: true,
      code: `${inputPixel(g.upsample)}
  fn rowA(z : i32, m : i32) -> vec4<i32> {
    if (m >= uniforms.M) { return vec4<i32>(-1); }
    let b = m / (uniforms.Ho * uniforms.Wo);
    let p = m - b * uniforms.Ho * uniforms.Wo;
    let oy = p / uniforms.Wo;
    let ox = p - oy * uniforms.Wo;
    return vec4<i32>(b, oy * uniforms.stride - uniforms.top, ox * uniforms.stride - uniforms.left, 0);
  }
  fn loadA(r : vec4<i32>, k : i32) -> f32 {
    let tap = k / uniforms.Ci;
    let c = k - tap * uniforms.Ci;
    let i = tap / uniforms.KW;
    let j = tap - i * uniforms.KW;
    return inputAt(r.x, r.y + i, r.z + j, c);
  }`,
    },
    b: {
      kContiguous: false,
      code: `
  fn colB(z : i32, n : i32) -> vec4<i32> { return vec4<i32>(select(-1, n, n < uniforms.N)); }
  fn loadB(c : vec4<i32>, k : i32) -> f32 { return w[k * uniforms.N + c.x]; }`,
    },
    epilogue,
    outputShape: [g.batch, ho, wo, g.co],
    plan,
  });
}

/**
 * The input gradient as a GEMM: dX[m = (b, y, x), n = ci] = Σ_{k = (i, j, co)} dy[b, oy, ox, co] ·
 * w[i, j, ci, co] over the taps with y + top − i = s·oy (likewise x), i.e. the transposed conv,
 * gathered. Inputs `dy` and `w`; output [batch, h, w, ci]. For an upsampled input the gradient is
 * the stored input's, [batch, h/2, w/2, ci]: each stored pixel gathers the four conv-input pixels
 * it was copied to, k = (sub, i, j, co) with sub the position in the 2×2 block (the same
 * multiply-adds as the full-size GEMM and a block sum, in one pass). With stride 2 three taps in
 * four find no output pixel: {@link gemmUsefulFraction} counts them as wasted.
 */
export function convInputGradKernel(g: ConvGeometry): GemmKernel {
  checkConv(g);
  const up = g.upsample === true;
  const [h, w] = up ? [g.h / 2, g.w / 2] : [g.h, g.w];
  const subK = g.kh * g.kw * g.co;
  const plan = chooseTile(g.batch * h * w, g.ci, (up ? 4 : 1) * subK);
  const pixel = up
    ? `let y = 2 * (p / uniforms.srcW);
    let x = 2 * (p - (p / uniforms.srcW) * uniforms.srcW);`
    : `let y = p / uniforms.W;
    let x = p - y * uniforms.W;`;
  return assemble({
    key: `lab_conv_dx${up ? '_up' : ''}`,
    inputs: ['dy', 'w'],
    uniforms: [...convUniforms(g), u('subK', subK)],
    a: {
      kContiguous: true,
      code: `
  fn rowA(z : i32, m : i32) -> vec4<i32> {
    if (m >= uniforms.M) { return vec4<i32>(-1); }
    let pixels = ${up ? 'uniforms.srcH * uniforms.srcW' : 'uniforms.H * uniforms.W'};
    let b = m / pixels;
    let p = m - b * pixels;
    ${pixel}
    return vec4<i32>(b, y + uniforms.top, x + uniforms.left, 0);
  }
  fn loadA(r : vec4<i32>, k : i32) -> f32 {
    let sub = k / uniforms.subK;
    let kk = k - sub * uniforms.subK;
    let tap = kk / uniforms.Co;
    let co = kk - tap * uniforms.Co;
    let i = tap / uniforms.KW;
    let j = tap - i * uniforms.KW;
    let sy = r.y + sub / 2 - i;
    let sx = r.z + sub % 2 - j;
    if (sy < 0 || sx < 0) { return 0.0; }
    let oy = sy / uniforms.stride;
    let ox = sx / uniforms.stride;
    if (oy * uniforms.stride != sy || ox * uniforms.stride != sx || oy >= uniforms.Ho || ox >= uniforms.Wo) { return 0.0; }
    return dy[((r.x * uniforms.Ho + oy) * uniforms.Wo + ox) * uniforms.Co + co];
  }`,
    },
    b: {
      kContiguous: true,
      code: `
  fn colB(z : i32, n : i32) -> vec4<i32> { return vec4<i32>(select(-1, n, n < uniforms.N)); }
  fn loadB(c : vec4<i32>, k : i32) -> f32 {
    let kk = k % uniforms.subK;
    let tap = kk / uniforms.Co;
    let co = kk - tap * uniforms.Co;
    return w[(tap * uniforms.Ci + c.x) * uniforms.Co + co];
  }`,
    },
    epilogue: {},
    outputShape: [g.batch, h, w, g.ci],
    plan,
  });
}

/**
 * The filter gradient, split-K: partial[s][m = (i, j, ci), n = co] = Σ over chunk s of k = (b, oy,
 * ox) of xpad[b, s·oy+i, s·ox+j, ci] · dy[b, oy, ox, co]. Inputs `x` and `dy`; output [splits,
 * kh·kw·ci, co], summed by {@link reduceKernel} when splits > 1 (otherwise it already is dW, HWIO).
 * With `bias`, one more row of ones gives the bias gradient Σ dy in the same pass (see
 * `GemmBody.onesRow`): unsplit, the side output `dbias`; split, row kh·kw·ci of each partial. With
 * `rowBias` too, `batch` more rows give each sample's Σ dy (`GemmBody.sampleRows`, side output `drow`,
 * or with `drowOffset` the input `drow` written in place from there on).
 */
export function convFilterGradKernel(
  g: ConvGeometry,
  bias = false,
  rowBias = false,
  drowOffset?: number,
): GemmKernel {
  checkConv(g);
  if (rowBias && !bias) throw new Error('per-sample bias rows come after the bias row');
  const [ho, wo] = convOutputSide(g);
  const rows = g.kh * g.kw * g.ci;
  const sampleRows = rowBias ? g.batch : 0;
  const plan = chooseTile(rows + (bias ? 1 : 0) + sampleRows, g.co, g.batch * ho * wo, 1, true);
  return assemble({
    key: `lab_conv_dw${g.upsample ? '_up' : ''}`,
    inputs: ['x', 'dy'],
    uniforms: convUniforms(g),
    a: {
      kContiguous: false,
      code: `${inputPixel(g.upsample)}
  fn rowA(z : i32, m : i32) -> vec4<i32> {
    if (m >= uniforms.M) { return vec4<i32>(-1); }
    ${bias ? 'if (m == uniforms.Mw) { return vec4<i32>(0, 0, 0, 1); }' : ''}
    ${rowBias ? 'if (m > uniforms.Mw) { return vec4<i32>(m - uniforms.Mw - 1, 0, 0, 2); }' : ''}
    let tap = m / uniforms.Ci;
    let c = m - tap * uniforms.Ci;
    let i = tap / uniforms.KW;
    let j = tap - i * uniforms.KW;
    return vec4<i32>(c, i - uniforms.top, j - uniforms.left, 0);
  }
  fn loadA(r : vec4<i32>, k : i32) -> f32 {
    ${bias ? 'if (r.w == 1) { return 1.0; }' : ''}
    ${rowBias ? 'if (r.w == 2) { return select(0.0, 1.0, k / (uniforms.Ho * uniforms.Wo) == r.x); }' : ''}
    let b = k / (uniforms.Ho * uniforms.Wo);
    let p = k - b * uniforms.Ho * uniforms.Wo;
    let oy = p / uniforms.Wo;
    let ox = p - oy * uniforms.Wo;
    return inputAt(b, oy * uniforms.stride + r.y, ox * uniforms.stride + r.z, r.x);
  }`,
    },
    b: {
      kContiguous: false,
      code: `
  fn colB(z : i32, n : i32) -> vec4<i32> { return vec4<i32>(select(-1, n, n < uniforms.N)); }
  fn loadB(c : vec4<i32>, k : i32) -> f32 { return dy[k * uniforms.N + c.x]; }`,
    },
    epilogue: {},
    outputShape: bias && plan.splits === 1 ? [rows, g.co] : [plan.splits, plan.m, g.co],
    plan,
    onesRow: bias,
    sampleRows,
    ...(drowOffset === undefined ? {} : { drowOffset }),
  });
}

/** A (batched) matrix product's operands: A [batch, m, k] (or [batch, k, m] when transA), likewise B. */
export interface MatMulShape {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** One operand shared by every batch entry (a weight): its batch stride is 0. */
  sharedB?: boolean;
  /** Split k into chunks (a weight gradient over many rows); the output then needs {@link reduceKernel}. */
  splitK?: boolean;
  /**
   * A weight gradient xᵀ·dy (transA) that also gives the bias gradient Σ_k dy from one more row of
   * ones in A (`GemmBody.onesRow`); `m` is the weight's rows, without that extra row.
   */
  biasRow?: boolean;
  /**
   * B is several shared tensors `b`, `b1`, … of these widths, side by side along n ([k, n_j]
   * each) or, with transB, along k ([n, k_j] each): e.g. attention's q, k and v weights as one
   * matrix, read where they lie. Along n, the epilogue's bias is `bias`, `bias1`, … likewise.
   */
  bParts?: number[];
  /** C's columns written to several tensors, e.g. three weight gradients and their biases'. */
  cParts?: ColumnParts;
}

/** The binding names of a list of parts: `base`, `base1`, `base2`, … */
export function partNames(base: string, count: number): string[] {
  return Array.from({ length: count }, (_, j) => (j === 0 ? base : `${base}${j}`));
}

/**
 * WGSL for a B made of {@link MatMulShape.bParts}: part j starts at `bP<j>` (j ≥ 1) along n (or k
 * with transB) and is `bQ<j>` wide; `biasAt(n)` reads the bias parts.
 */
function partsB(widths: number[], transB: boolean, bias: boolean): { code: string; uniforms: GemmUniform[] } {
  const names = partNames('b', widths.length);
  const uniforms = [
    ...widths.slice(1).map((_, j) =>
      u(
        `bP${j + 1}`,
        widths.slice(0, j + 1).reduce((x, y) => x + y, 0),
      ),
    ),
    ...widths.map((w, j) => u(`bQ${j}`, w)),
  ];
  // Walks the parts from the last: the first whose start is at or before i holds i.
  const chain = (i: string, read: (name: string, j: number, local: string) => string) =>
    names
      .map((name, j) => {
        const local = j > 0 ? `(${i} - uniforms.bP${j})` : i;
        return `${j > 0 ? `if (${i} >= uniforms.bP${j}) ` : ''}{ return ${read(name, j, local)}; }`;
      })
      .reverse()
      .join('\n    ');
  const biasAt = bias
    ? `
  fn biasAt(n : i32) -> f32 {
    ${chain('n', (_, j, local) => `${partNames('bias', widths.length)[j]}[${local}]`)}
  }`
    : '';
  if (transB)
    return {
      uniforms,
      code: `
  fn colB(z : i32, n : i32) -> vec4<i32> { return vec4<i32>(select(-1, n, n < uniforms.N)); }
  fn loadB(c : vec4<i32>, k : i32) -> f32 {
    ${chain('k', (name, j, local) => `${name}[c.x * uniforms.bQ${j} + ${local}]`)}
  }${biasAt}`,
    };
  // Along n the part is fixed per column: colB finds it once (x: the part, y: the column in it).
  const find = names
    .slice(1)
    .map(
      (_, j) =>
        `if (n >= uniforms.bP${j + 1}) { return vec4<i32>(${j + 1}, n - uniforms.bP${j + 1}, 0, 0); }`,
    )
    .reverse()
    .join('\n    ');
  return {
    uniforms,
    code: `
  fn colB(z : i32, n : i32) -> vec4<i32> {
    if (n >= uniforms.N) { return vec4<i32>(-1); }
    ${find}
    return vec4<i32>(0, n, 0, 0);
  }
  fn loadB(c : vec4<i32>, k : i32) -> f32 {
    ${names
      .map((name, j) => `${j > 0 ? `if (c.x == ${j}) ` : ''}{ return ${name}[k * uniforms.bQ${j} + c.y]; }`)
      .reverse()
      .join('\n    ')}
  }${biasAt}`,
  };
}

/**
 * C[z] = A[z]·B[z] (each optionally transposed) with an epilogue: dense layers, 1×1 convs, their
 * gradients. Inputs `a` and `b` (`b`, `b1`, … with bParts); output [batch·splits, m, n] (with
 * cParts and unsplit, the parts' tensors).
 */
export function matMulKernel(s: MatMulShape, epilogue: Epilogue = {}): GemmKernel {
  const ones = s.biasRow === true;
  if (ones && (!s.transA || s.batch !== 1))
    throw new Error('a bias row needs a transposed A and one batch entry');
  const bParts = s.bParts && s.bParts.length > 1 ? s.bParts : undefined;
  if (bParts && (s.batch !== 1 || bParts.reduce((x, y) => x + y, 0) !== (s.transB ? s.k : s.n)))
    throw new Error(
      `B's parts [${bParts.join(', ')}] must cover its ${s.transB ? 'k' : 'n'} in one batch entry`,
    );
  if (bParts && epilogue.bias && s.transB) throw new Error('bias parts follow B parts along n');
  const plan = chooseTile(s.m + (ones ? 1 : 0), s.n, s.k, s.batch, s.splitK ?? false);
  const partB = bParts ? partsB(bParts, s.transB, epilogue.bias === true) : undefined;
  const aIndex = s.transA ? `k * ${ones ? 'uniforms.Mw' : 'uniforms.M'} + r.y` : 'r.y * uniforms.K + k';
  const bIndex = s.transB ? 'c.y * uniforms.K + k' : 'k * uniforms.N + c.y';
  return assemble({
    key: `lab_matmul_${s.transA ? 't' : 'n'}${s.transB ? 't' : 'n'}${s.sharedB ? 's' : ''}${bParts ? `_b${bParts.length}` : ''}`,
    inputs: ['a', ...(bParts ? partNames('b', bParts.length) : ['b'])],
    uniforms: [u('rowsPerSample', s.m), ...(partB?.uniforms ?? [])],
    a: {
      kContiguous: !s.transA,
      code: `
  fn rowA(z : i32, m : i32) -> vec4<i32> {
    if (m >= uniforms.M) { return vec4<i32>(-1); }
    ${ones ? 'if (m == uniforms.Mw) { return vec4<i32>(0, 0, 0, 1); }' : ''}
    return vec4<i32>(z * uniforms.M * uniforms.K, m, 0, 0);
  }
  fn loadA(r : vec4<i32>, k : i32) -> f32 {
    ${ones ? 'if (r.w == 1) { return 1.0; }' : ''}
    return a[r.x + ${aIndex}];
  }`,
    },
    b: {
      kContiguous: s.transB,
      code:
        partB?.code ??
        `
  fn colB(z : i32, n : i32) -> vec4<i32> {
    if (n >= uniforms.N) { return vec4<i32>(-1); }
    return vec4<i32>(${s.sharedB ? '0' : 'z * uniforms.K * uniforms.N'}, n, 0, 0);
  }
  fn loadB(c : vec4<i32>, k : i32) -> f32 { return b[c.x + ${bIndex}]; }`,
    },
    epilogue,
    outputShape: ones && plan.splits === 1 ? [s.m, s.n] : [s.batch * plan.splits, plan.m, s.n],
    plan,
    onesRow: ones,
    ...(bParts && epilogue.bias
      ? { bias: { inputs: partNames('bias', bParts.length), at: 'biasAt(n)' } }
      : {}),
    ...(s.cParts ? { columnParts: s.cParts } : {}),
  });
}

/**
 * Where a batched matrix lies in its buffer: entry z's element (i, j) (row i, column j as stored)
 * at (z / heads)·outer + (z % heads)·inner + offset + i·ld + j. A plain [batch, rows, cols]
 * tensor is {@link denseView}; attention's q, k and v are column blocks of one [images·tokens, 3c]
 * projection ({@link qkvView}), read where they lie.
 */
export interface MatrixView {
  ld: number;
  outer: number;
  inner: number;
  heads: number;
  offset: number;
}

/** The view of a plain [batch, rows, cols] tensor. */
export function denseView(rows: number, cols: number): MatrixView {
  return { ld: cols, outer: rows * cols, inner: 0, heads: 1, offset: 0 };
}

/**
 * Block `block` (0: q, 1: k, 2: v) of a packed [images·tokens, 3c] projection as [images·heads]
 * matrices [tokens, d] (d = c / heads): image b's head h at rows b·tokens…, columns block·c + h·d….
 */
export function qkvView(tokens: number, channels: number, heads: number, block: number): MatrixView {
  const ld = 3 * channels;
  return { ld, outer: tokens * ld, inner: channels / heads, heads, offset: block * channels };
}

/** One operand of a {@link viewMatMulKernel}: its input binding, whether it is read transposed, where it lies. */
export interface ViewOperand {
  input: string;
  trans: boolean;
  view: MatrixView;
}

/** Products of one shape over views: C_g[z] = alpha·op(A_g[z])·op(B_g[z]) for each group g, written through the view `c`. */
export interface ViewMatMul {
  batch: number;
  m: number;
  n: number;
  k: number;
  groups: { a: ViewOperand; b: ViewOperand; c: MatrixView }[];
  /** The one output the groups write into. */
  outputShape: number[];
  alpha?: number;
}

const viewUniforms = (p: string, v: MatrixView) => [
  u(`${p}ld`, v.ld),
  u(`${p}outer`, v.outer),
  u(`${p}inner`, v.inner),
  u(`${p}heads`, v.heads),
  u(`${p}off`, v.offset),
];

/** WGSL: the start of batch entry `z` in view `p` (uniforms from {@link viewUniforms}). */
const viewBase = (p: string, z: string) =>
  `(${z} / uniforms.${p}heads) * uniforms.${p}outer + (${z} % uniforms.${p}heads) * uniforms.${p}inner + uniforms.${p}off`;

/**
 * Several products of the same shape over strided views of their operands as one dispatch
 * (group g in workgroup z / batch): the attention core reads q, k, v from the packed projection
 * and writes dq, dk, dv into its packed gradient with one GEMM. Each group's A and B may come
 * from any input, transposed or not; every element of the groups' output views is written once.
 */
export function viewMatMulKernel(s: ViewMatMul): GemmKernel {
  const plan = chooseTile(s.m, s.n, s.k, s.groups.length * s.batch);
  const inputs = [...new Set(s.groups.flatMap((g) => [g.a.input, g.b.input]))];
  const uniforms = [
    u('B', s.batch),
    ...s.groups.flatMap((g, j) => [
      ...viewUniforms(`a${j}`, g.a.view),
      ...viewUniforms(`b${j}`, g.b.view),
      ...viewUniforms(`c${j}`, g.c),
    ]),
  ];
  // Per group (uniform over a workgroup): x the group, y the entry's start, z the row (column), w the ld.
  const fixed = (p: 'a' | 'b', index: string, limit: string) => `
    if (${index} >= uniforms.${limit}) { return vec4<i32>(-1); }
    let g = z / uniforms.B;
    let zb = z - g * uniforms.B;
    ${s.groups.map((_, j) => `if (g == ${j}) { return vec4<i32>(${j}, ${viewBase(`${p}${j}`, 'zb')}, ${index}, uniforms.${p}${j}ld); }`).join('\n    ')}
    return vec4<i32>(-1);`;
  const load = (p: 'a' | 'b', r: string, rowMajor: (trans: boolean) => boolean) =>
    s.groups
      .map((g, j) => {
        const op = p === 'a' ? g.a : g.b;
        const at = rowMajor(op.trans) ? `${r}.z * ${r}.w + k` : `k * ${r}.w + ${r}.z`;
        return `if (${r}.x == ${j}) { return ${op.input}[${r}.y + ${at}]; }`;
      })
      .join('\n    ');
  const key = s.groups
    .map((g) => `${g.a.input}${g.a.trans ? 't' : 'n'}${g.b.input}${g.b.trans ? 't' : 'n'}`)
    .join('_');
  return assemble({
    key: `lab_viewmatmul_${key}`,
    inputs,
    uniforms,
    a: {
      kContiguous: !s.groups[0].a.trans,
      code: `
  fn rowA(z : i32, m : i32) -> vec4<i32> {${fixed('a', 'm', 'M')}
  }
  fn loadA(r : vec4<i32>, k : i32) -> f32 {
    ${load('a', 'r', (trans) => !trans)}
    return 0.0;
  }`,
    },
    b: {
      kContiguous: s.groups[0].b.trans,
      code: `
  fn colB(z : i32, n : i32) -> vec4<i32> {${fixed('b', 'n', 'N')}
  }
  fn loadB(c : vec4<i32>, k : i32) -> f32 {
    ${load('b', 'c', (trans) => trans)}
    return 0.0;
  }
  fn outIndex(z : i32, m : i32, n : i32) -> i32 {
    let g = z / uniforms.B;
    let zb = z - g * uniforms.B;
    ${s.groups.map((_, j) => `if (g == ${j}) { return ${viewBase(`c${j}`, 'zb')} + m * uniforms.c${j}ld + n; }`).join('\n    ')}
    return 0;
  }`,
    },
    epilogue: s.alpha === undefined ? {} : { alpha: s.alpha },
    outputShape: s.outputShape,
    plan,
    outputIndex: 'outIndex(z, m, n)',
  });
}

/**
 * The {@link ColumnParts} of several dense layers' weight and bias gradients from one GEMM (layer
 * j's out-channels `widths[j]`): the output and side outputs `dw1`, `dw2`, …, then `dbias`,
 * `dbias1`, ….
 */
export function weightGradParts(widths: number[]): ColumnParts {
  return {
    names: ['result', ...partNames('dw', widths.length).slice(1)],
    widths,
    biasNames: partNames('dbias', widths.length),
  };
}

/**
 * A dense layer's weight and bias gradients, dW = xᵀ·dy [inCh, outCh] and db = Σ dy, as one
 * split-K GEMM over the `rows` (x [rows, inCh], dy [rows, outCh]; inputs `a` = x, `b` = dy).
 * With `cParts`, dy's columns are several layers' and each gets its own dW and db tensors.
 */
export function denseWeightGradKernel(
  rows: number,
  inCh: number,
  outCh: number,
  cParts?: ColumnParts,
): GemmKernel {
  return matMulKernel({
    ...(cParts ? { cParts } : {}),
    batch: 1,
    m: inCh,
    n: outCh,
    k: rows,
    transA: true,
    transB: false,
    sharedB: true,
    splitK: true,
    biasRow: true,
  });
}

/** A plain elementwise kernel (no tiles): one thread per output value; also a GEMM kernel's parts. */
export interface ElementwiseKernel {
  /** Distinguishes the WGSL: everything baked into it (kind, tile, epilogue, flags). */
  key: string;
  inputs: string[];
  /** Buffers written besides `result` (bound after the inputs, read_write), e.g. a bias gradient. */
  sideOutputs?: SideOutputShape[];
  outputShape: number[];
  uniforms: GemmUniform[];
  workgroupSize: [number, number, number];
  dispatch: [number, number, number];
  /** Defines `fn gemm()`, the whole work of one invocation. */
  code: string;
  /** Set on a split-K sum: what it adds up and where (a compiled step may merge such sums). */
  splitKSum?: SplitKSum;
  /** `enable` directives the module starts with (`enable f16;`), when it needs any. */
  directives?: string;
}

/**
 * What a split-K sum ({@link reduceKernel}) computes: Σ_z partial[z·size + i] over `splits` for
 * every i < size, in pieces, one per value it writes in binding order (the output, then each side
 * output): piece values start at `start` of each split's row and land in their value from
 * `offset` on (`inPlace`: a window of an input, see {@link SideOutputShape}).
 */
export interface SplitKSum {
  splits: number;
  size: number;
  pieces: { start: number; length: number; offset: number; inPlace: boolean }[];
}

/**
 * Σ over the first axis of partial sums [splits, rest…] → [rest…] (split-K's second pass). With
 * `tails` (see {@link biasRowOutputs}), the last sums (a weight gradient's ones rows, see
 * `GemmBody.onesRow`) go to those side outputs in order and the rest to the output; with `parts`,
 * each sum goes to the tensor of its column part ({@link ColumnParts}, `outputShape` the first's).
 */
export function reduceKernel(
  splits: number,
  size: number,
  outputShape: number[],
  tails: readonly SideOutputShape[] = [],
  parts?: ReducedParts,
): ElementwiseKernel {
  const wg = 256;
  const groups = Math.ceil(size / wg);
  // 2-D dispatch: one dimension holds at most 65,535 workgroups.
  const gx = Math.min(groups, 65535);
  const lengths = tails.map((t) => t.shape.reduce((x, y) => x * y, 1));
  const main = size - lengths.reduce((x, y) => x + y, 0);
  // Segment j of the tail starts at uniforms.t<j>; the last segment that starts at or before i holds it.
  const starts = lengths.map((_, j) => main + lengths.slice(0, j).reduce((x, y) => x + y, 0));
  const store = parts
    ? `let row = i / uniforms.N;
    let n = i - row * uniforms.N;
    if (row == uniforms.Mw) { storeBiasPart(n, s); return; }
    storePart(row, n, s);`
    : [
        ...tails
          .map(
            (t, j) =>
              `if (i >= uniforms.t${j}) { ${t.name}[${t.inPlace ? `uniforms.o${j} + ` : ''}i - uniforms.t${j}] = s; return; }`,
          )
          .reverse(),
        'result[i] = s;',
      ].join('\n    ');
  const offsets = tails.flatMap((t, j) => (t.inPlace ? [u(`o${j}`, t.offset ?? 0)] : []));
  const pieces = [
    { start: 0, length: main, offset: 0, inPlace: false },
    ...tails.map((t, j) => ({
      start: starts[j],
      length: lengths[j],
      offset: t.offset ?? 0,
      inPlace: !!t.inPlace,
    })),
  ];
  const sides = parts ? columnPartsOutputs(parts.columns, [parts.rows]) : tails;
  return {
    key: `lab_splitk_sum${tails.map((t) => `_${t.name}${t.inPlace ? '_w' : ''}`).join('')}${parts ? `_parts${parts.columns.names.length}b` : ''}`,
    inputs: ['partial'],
    ...(sides.length > 0 ? { sideOutputs: [...sides] } : {}),
    outputShape,
    uniforms: [
      u('size', size),
      u('splits', splits),
      u('gx', gx),
      ...starts.map((v, j) => u(`t${j}`, v)),
      ...(parts ? [u('N', parts.n), u('Mw', parts.rows), ...columnPartsUniforms(parts.columns)] : []),
      ...offsets,
    ],
    workgroupSize: [wg, 1, 1],
    dispatch: [gx, Math.ceil(groups / gx), 1],
    // A sum into column parts is no run of values: it stays a dispatch of its own.
    ...(parts ? {} : { splitKSum: { splits, size, pieces } }),
    code: `
  ${parts ? columnPartsCode(parts.columns) : ''}
  fn gemm() {
    let i = (i32(workgroupId.y) * uniforms.gx + i32(workgroupId.x)) * ${wg} + i32(localIndex);
    if (i >= uniforms.size) { return; }
    var s = 0.0;
    for (var z = 0; z < uniforms.splits; z = z + 1) { s = s + partial[z * uniforms.size + i]; }
    ${store}
  }`,
  };
}

/**
 * A split product whose columns go to several tensors ({@link ColumnParts}): the partial sums are
 * [splits, rows (+ 1 with bias names: the ones row), n].
 */
export interface ReducedParts {
  columns: ColumnParts;
  rows: number;
  n: number;
}

/**
 * A complete WGSL module for a kernel with fixed bindings (group 0: `result` at 0, the inputs at
 * 1…, the side outputs after them, then the uniform struct, fields in `uniforms` order, each 4 bytes) and entry point
 * `main`: what a compiled training step creates its pipeline from.
 */
export function standaloneShader(k: GemmKernel | ElementwiseKernel): string {
  const fields = k.uniforms.map((x) => `  ${x.name} : ${x.type},`).join('\n');
  const sides = k.sideOutputs ?? [];
  const inputs = [
    ...k.inputs.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name} : array<f32>;`),
    ...sides.map(
      (o, i) =>
        `@group(0) @binding(${k.inputs.length + 1 + i}) var<storage, read_write> ${o.name} : array<f32>;`,
    ),
  ].join('\n');
  return `${k.directives ? `${k.directives}\n` : ''}struct Uniforms {
${fields}
};
@group(0) @binding(0) var<storage, read_write> result : array<f32>;
${inputs}
@group(0) @binding(${k.inputs.length + sides.length + 1}) var<uniform> uniforms : Uniforms;
var<private> localIndex : u32;
var<private> workgroupId : vec3<u32>;
${k.code}
@compute @workgroup_size(${k.workgroupSize.join(', ')})
fn main(@builtin(local_invocation_index) li : u32, @builtin(workgroup_id) wid : vec3<u32>) {
  localIndex = li;
  workgroupId = wid;
  gemm();
}
`;
}

/** The uniform struct's bytes for {@link standaloneShader} (4 bytes per field, padded to 16). */
export function uniformBytes(k: GemmKernel | ElementwiseKernel): ArrayBuffer {
  const buf = new ArrayBuffer(Math.ceil((k.uniforms.length * 4) / 16) * 16 || 16);
  const view = new DataView(buf);
  k.uniforms.forEach((x, i) =>
    x.type === 'i32' ? view.setInt32(i * 4, x.value, true) : view.setFloat32(i * 4, x.value, true),
  );
  return buf;
}

/**
 * Fraction of the multiply-adds a kernel issues that are useful: the tiles' padding, and for a
 * stride-s input gradient the taps that find no output pixel (all but 1 in s² of them).
 */
export function gemmUsefulFraction(plan: GemmPlan, strideGather = 1): number {
  return plan.tileUse / (strideGather * strideGather);
}
