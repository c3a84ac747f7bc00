/**
 * Every resnet's time-embedding projection in three GEMM dispatches per training step (see
 * ../timeProjections.ts for the layouts): forward, all projections E_r = silu(temb)·W_r + b_r from
 * the grouped parameter vector into the packed buffer; backward, d silu(temb) = Σ_r dE_r·W_rᵀ as
 * one product over all resnets' columns, and every dW_r and db_r (a ones row) as one product
 * written in the grouped layout. Each resnet's conv1 adds its E_r as its per-sample bias and
 * writes its dE_r into the packed buffer in place (`convGemm`'s `rowBiasWindow`), so nothing sums
 * gradients per resnet. Column j belongs to the resnet r with columns[r] ≤ j < columns[r + 1]; the
 * kernels find it in a table baked into their WGSL (so in their key).
 */
import * as tf from '@tensorflow/tfjs';
import { projectionOffsets, totalColumns, type TimeProjectionLayout } from '../timeProjections';
import { assemble, chooseTile, type GemmKernel, type GemmUniform } from './gemm';
import { runGemmKernel } from './gemmOps';

/** The tfjs kernel name of the three products (dispatch counts show it). */
export const TIME_PROJECTIONS_KERNEL = 'LabTimeProjections';

const u = (name: string, value: number): GemmUniform => ({ name, type: 'i32', value });

/**
 * WGSL: the column table and `fn tpSpan(j) -> vec2<i32>`, the first column and the width of the
 * resnet that column j belongs to (a fixed-length scan: a handful of resnets).
 */
function columnTable(layout: TimeProjectionLayout): string {
  const c = layout.columns;
  return `
  var<private> tpColumns : array<i32, ${c.length}> = array<i32, ${c.length}>(${c.join(', ')});
  fn tpSpan(j : i32) -> vec2<i32> {
    var r = 0;
    for (var p = 1; p < ${c.length - 1}; p = p + 1) { r = select(r, p, j >= tpColumns[p]); }
    return vec2<i32>(tpColumns[r], tpColumns[r + 1] - tpColumns[r]);
  }`;
}

/** One of the three products: C[m, n] = Σ_k A(m, k)·B(k, n) with the group's table in its WGSL. */
function groupedKernel(
  layout: TimeProjectionLayout,
  kind: string,
  inputs: [string, string],
  shape: { m: number; n: number; k: number; output: number[] },
  a: { kContiguous: boolean; code: string },
  b: { kContiguous: boolean; code: string },
  store?: string,
): GemmKernel {
  return assemble({
    key: `lab_temb_${kind}_${layout.columns.join('_')}`,
    inputs,
    uniforms: [u('Kin', layout.inChannels)],
    a: { kContiguous: a.kContiguous, code: `${columnTable(layout)}${a.code}` },
    b,
    epilogue: {},
    outputShape: shape.output,
    plan: chooseTile(shape.m, shape.n, shape.k),
    ...(store ? { store } : {}),
  });
}

/**
 * WGSL: B's column n as (its value at k = 0: `first` + n − its resnet's first column, the
 * resnet's width, `extra`), or −1 past the last.
 */
const resnetColumn = (first: string, extra = '0') => `
  fn colB(z : i32, n : i32) -> vec4<i32> {
    if (n >= uniforms.N) { return vec4<i32>(-1); }
    let s = tpSpan(n);
    return vec4<i32>(${first} + n - s.x, s.y, ${extra}, 0);
  }`;

/** WGSL: A's row m (one per sample) or −1 past the last. */
const SAMPLE_ROW = `
  fn rowA(z : i32, m : i32) -> vec4<i32> { return vec4<i32>(select(-1, m, m < uniforms.M)); }`;

/**
 * Forward: C[b, j] = Σ_{k < in} a[b, k]·W_r[k, j − columns[r]] + b_r[j − columns[r]] (the bias as
 * a last k with A = 1), stored at resnet r's window of the packed output, whose gradient half is
 * zeroed. Inputs `a` = silu(temb) [batch, in] and `g` the grouped parameters; output [2·batch·total].
 */
export function timeProjectionsForwardKernel(layout: TimeProjectionLayout, batch: number): GemmKernel {
  const total = totalColumns(layout);
  return groupedKernel(
    layout,
    'fwd',
    ['a', 'g'],
    { m: batch, n: total, k: layout.inChannels + 1, output: [2 * batch * total] },
    {
      kContiguous: true,
      code: `${SAMPLE_ROW}
  fn loadA(r : vec4<i32>, k : i32) -> f32 {
    if (k == uniforms.Kin) { return 1.0; }
    return a[r.x * uniforms.Kin + k];
  }`,
    },
    {
      kContiguous: false,
      code: `${resnetColumn('uniforms.Kin * s.x', 'uniforms.Kin * uniforms.N + n')}
  fn loadB(c : vec4<i32>, k : i32) -> f32 {
    if (k == uniforms.Kin) { return g[c.z]; }
    return g[c.x + k * c.y];
  }`,
    },
    `
    let s = tpSpan(n);
    let o = uniforms.M * s.x + m * s.y + n - s.x;
    result[o] = acc;
    result[uniforms.M * uniforms.N + o] = 0.0;`,
  );
}

/**
 * d silu(temb)[b, i] = Σ_j dE[b, j]·W_r[i, j − columns[r]] over every resnet's columns j. Inputs
 * `d` the packed buffer (its gradient half) and `g` the grouped parameters; output [batch, in].
 */
export function timeProjectionsInputGradKernel(layout: TimeProjectionLayout, batch: number): GemmKernel {
  const total = totalColumns(layout);
  return groupedKernel(
    layout,
    'dx',
    ['d', 'g'],
    { m: batch, n: layout.inChannels, k: total, output: [batch, layout.inChannels] },
    {
      kContiguous: true,
      code: `${SAMPLE_ROW}
  fn loadA(r : vec4<i32>, k : i32) -> f32 {
    let s = tpSpan(k);
    return d[uniforms.M * (uniforms.K + s.x) + r.x * s.y + k - s.x];
  }`,
    },
    {
      kContiguous: true,
      code: `
  fn colB(z : i32, n : i32) -> vec4<i32> { return vec4<i32>(select(-1, n, n < uniforms.N)); }
  fn loadB(c : vec4<i32>, k : i32) -> f32 {
    let s = tpSpan(k);
    return g[uniforms.N * s.x + c.x * s.y + k - s.x];
  }`,
    },
  );
}

/**
 * Every dW_r[i, j'] = Σ_b a[b, i]·dE_r[b, j'] and, from a row of ones, db_r[j'] = Σ_b dE_r[b, j'],
 * written in the grouped parameter layout. Inputs `a` = silu(temb) [batch, in] and `d` the packed
 * buffer; output [(in + 1)·total].
 */
export function timeProjectionsWeightGradKernel(layout: TimeProjectionLayout, batch: number): GemmKernel {
  const total = totalColumns(layout);
  const inCh = layout.inChannels;
  return groupedKernel(
    layout,
    'dw',
    ['a', 'd'],
    { m: inCh + 1, n: total, k: batch, output: [(inCh + 1) * total] },
    {
      kContiguous: false,
      code: `
  fn rowA(z : i32, m : i32) -> vec4<i32> {
    if (m >= uniforms.M) { return vec4<i32>(-1); }
    return vec4<i32>(m, 0, 0, select(0, 1, m == uniforms.Kin));
  }
  fn loadA(r : vec4<i32>, k : i32) -> f32 {
    if (r.w == 1) { return 1.0; }
    return a[k * uniforms.Kin + r.x];
  }`,
    },
    {
      kContiguous: false,
      code: `${resnetColumn('uniforms.K * (uniforms.N + s.x)')}
  fn loadB(c : vec4<i32>, k : i32) -> f32 { return d[c.x + k * c.y]; }`,
    },
    `
    if (m == uniforms.Kin) { result[uniforms.Kin * uniforms.N + n] = acc; return; }
    let s = tpSpan(n);
    result[uniforms.Kin * s.x + m * s.y + n - s.x] = acc;`,
  );
}

/**
 * All projections of silu(temb) `tembAct` [batch, in] by the grouped parameters `grouped` (see
 * `groupedParameterOffsets`) into the packed buffer [2·batch·total] (values, then a zeroed half for
 * their gradients, which the resnets' convs fill in place). Differentiable: its gradient reads the
 * packed buffer's gradient half, whatever gradient tfjs hands it (see {@link attachTimeProjections}).
 */
export function timeProjectionsGemm(
  tembAct: tf.Tensor2D,
  grouped: tf.Tensor1D,
  layout: TimeProjectionLayout,
): tf.Tensor1D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a, g, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const batch = a.shape[0];
    save([a, g]);
    return {
      value: runGemmKernel(TIME_PROJECTIONS_KERNEL, timeProjectionsForwardKernel(layout, batch), { a, g }),
      gradFunc: (dy, saved) => {
        const [sa, sg] = saved as [tf.Tensor2D, tf.Tensor1D];
        const d = dy as tf.Tensor;
        return [
          tf.reshape(
            runGemmKernel(TIME_PROJECTIONS_KERNEL, timeProjectionsInputGradKernel(layout, batch), {
              d,
              g: sg,
            }),
            [batch, layout.inChannels],
          ),
          runGemmKernel(TIME_PROJECTIONS_KERNEL, timeProjectionsWeightGradKernel(layout, batch), {
            a: sa,
            d,
          }),
        ];
      },
    };
  });
  return f(tembAct, grouped) as tf.Tensor1D;
}

type AttachFn = (out: tf.Tensor, packed: tf.Tensor) => tf.Tensor;
let attach: AttachFn | null = null;

/**
 * `out` unchanged (no dispatch), tied to the packed buffer for tfjs' gradients: the convs read
 * their windows of `packed` outside tfjs' tape (so tfjs adds no per-resnet gradients), and this
 * op, the network's last, hands the packed buffer itself back as its gradient, whose gradient half
 * the convs' backward passes write before the projections' backward reads it.
 */
export function attachTimeProjections<T extends tf.Tensor>(out: T, packed: tf.Tensor1D): T {
  attach ??= tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [o, p, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([p]);
    return {
      value: tf.clone(o),
      gradFunc: (dy, saved) => [dy as tf.Tensor, tf.clone(saved[0])],
    };
  }) as unknown as AttachFn;
  return attach(out, packed) as T;
}

/** Resnet r's window of the packed buffer, for its conv1 (`ConvOptions.rowBiasWindow`). */
export function projectionWindow(
  packed: tf.Tensor1D,
  layout: TimeProjectionLayout,
  batch: number,
  r: number,
): { packed: tf.Tensor1D; offset: number; gradOffset: number } {
  const { value, gradient } = projectionOffsets(layout, batch, r);
  return { packed, offset: value, gradOffset: gradient };
}
