/**
 * Self-attention's core, softmax(α·q·kᵀ)·v per batch entry, as two batched GEMMs around a fused
 * softmax kernel forward, and backward two GEMMs around one fused softmax-gradient kernel
 * (dS = α·P ⊙ (dP − Σ_j dP·P)), q, k and v read from (and their gradients written into) the
 * packed projection. tfjs' ops take a BatchMatMul, a Mul, the Softmax's max, sub,
 * exp, sum and div forward and their autodiff backward.
 */
import * as tf from '@tensorflow/tfjs';
import {
  denseView,
  qkvView,
  type ElementwiseKernel,
  type GemmUniform,
  type MatrixView,
  type ViewOperand,
} from './gemm';
import { runGemmKernel, viewMatMulGemm } from './gemmOps';

/** Threads per row: a power of two (the tree reductions halve it). */
function rowWorkgroup(length: number): number {
  return length >= 512 ? 256 : length >= 128 ? 128 : 64;
}

/**
 * One workgroup per row of a [rows, length] matrix, rows spread over a 2-D dispatch; `body` runs
 * with `row` (clamped into range: the barriers need every workgroup to run them), `valid`, `tid`
 * and the reductions `rowMax` and `rowSum`.
 */
function rowKernel(
  key: string,
  inputs: string[],
  rows: number,
  length: number,
  extra: GemmUniform[],
  body: string,
): ElementwiseKernel {
  const wg = rowWorkgroup(length);
  const gx = Math.min(rows, 65535);
  return {
    key: `${key}_${wg}`,
    inputs,
    outputShape: [rows, length],
    uniforms: [
      { name: 'rows', type: 'i32', value: rows },
      { name: 'len', type: 'i32', value: length },
      { name: 'gx', type: 'i32', value: gx },
      ...extra,
    ],
    workgroupSize: [wg, 1, 1],
    dispatch: [gx, Math.ceil(rows / gx), 1],
    code: `
  var<workgroup> red : array<f32, ${wg}>;
  fn rowReduce(v : f32, isMax : bool) -> f32 {
    let lid = localIndex;
    red[lid] = v;
    workgroupBarrier();
    for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
      if (lid < s) { red[lid] = select(red[lid] + red[lid + s], max(red[lid], red[lid + s]), isMax); }
      workgroupBarrier();
    }
    let total = red[0];
    workgroupBarrier();
    return total;
  }
  fn gemm() {
    let flat = i32(workgroupId.y) * uniforms.gx + i32(workgroupId.x);
    let valid = flat < uniforms.rows;
    let row = min(flat, uniforms.rows - 1);
    let tid = i32(localIndex);
    let base = row * uniforms.len;
    ${body}
  }`,
  };
}

/** P = softmax over each row of S. */
export function softmaxKernel(rows: number, length: number): ElementwiseKernel {
  return rowKernel(
    'lab_softmax',
    ['s'],
    rows,
    length,
    [],
    `
    var m = -3.4e38;
    for (var j = tid; j < uniforms.len; j = j + ${rowWorkgroup(length)}) { m = max(m, s[base + j]); }
    m = rowReduce(m, true);
    var sum = 0.0;
    for (var j = tid; j < uniforms.len; j = j + ${rowWorkgroup(length)}) { sum = sum + exp(s[base + j] - m); }
    sum = rowReduce(sum, false);
    if (valid) {
      for (var j = tid; j < uniforms.len; j = j + ${rowWorkgroup(length)}) { result[base + j] = exp(s[base + j] - m) / sum; }
    }`,
  );
}

/** dS = α·P ⊙ (dP − Σ_j dP·P) per row: the gradient of softmax(α·S) through S. */
export function softmaxGradKernel(rows: number, length: number, alpha: number): ElementwiseKernel {
  return rowKernel(
    'lab_softmax_grad',
    ['p', 'dp'],
    rows,
    length,
    [{ name: 'alpha', type: 'f32', value: alpha }],
    `
    var dot = 0.0;
    for (var j = tid; j < uniforms.len; j = j + ${rowWorkgroup(length)}) { dot = dot + p[base + j] * dp[base + j]; }
    dot = rowReduce(dot, false);
    if (valid) {
      for (var j = tid; j < uniforms.len; j = j + ${rowWorkgroup(length)}) {
        result[base + j] = uniforms.alpha * p[base + j] * (dp[base + j] - dot);
      }
    }`,
  );
}

type AttentionFn = (qkv: tf.Tensor2D) => tf.Tensor2D;
const cores = new Map<string, AttentionFn>();

/**
 * softmax(scale·q·kᵀ)·v per image and head, q, k and v read where they lie in the packed
 * projection `qkv` [images·tokens, 3c] (columns q | k | v, each head's d = c / heads channels in
 * turn, gemmOps' projectionsGemm), written with the heads merged back: [images·tokens, c] (no
 * head transposes either way). 3 dispatches forward (scores with
 * the scale folded in, softmax, mix) and 3 backward (dP, the softmax gradient, and dq, dk, dv as
 * one GEMM writing the packed gradient of `qkv`), no copies of q, k or v either way.
 */
export function attentionCoreWebGpu(
  qkv: tf.Tensor2D,
  images: number,
  heads: number,
  scale: number,
): tf.Tensor2D {
  const [rows, width] = qkv.shape;
  const c = width / 3;
  const tokens = rows / images;
  if (!Number.isInteger(c) || !Number.isInteger(tokens) || c % heads !== 0)
    throw new Error(
      `attention: [${qkv.shape.join(', ')}] is not q | k | v of ${images} images and ${heads} heads`,
    );
  const d = c / heads;
  const batch = images * heads;
  const key = `${rows}|${width}|${images}|${heads}|${scale}`;
  let f = cores.get(key);
  if (!f) {
    const block = (j: number) => qkvView(tokens, c, heads, j);
    const square = denseView(tokens, tokens);
    // The output and its gradient: each image's tokens × c, head h in columns h·d….
    const merged: MatrixView = { ld: c, outer: tokens * c, inner: d, heads, offset: 0 };
    const op = (input: string, view: MatrixView, trans = false): ViewOperand => ({ input, trans, view });
    // One product per image and head, alpha·op(A)·op(B) → [batch, m, n].
    const product = (m: number, n: number, k: number, a: ViewOperand, b: ViewOperand, alpha?: number) => ({
      ...{ batch, m, n, k, groups: [{ a, b, c: denseView(m, n) }], outputShape: [batch, m, n] },
      ...(alpha === undefined ? {} : { alpha }),
    });
    f = tf.customGrad((...args) => {
      const [packed, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      const probs = tf.tidy(() => {
        const scores = product(tokens, tokens, d, op('qkv', block(0)), op('qkv', block(1), true), scale);
        const s = viewMatMulGemm(scores, { qkv: packed });
        const p = runGemmKernel('LabSoftmax', softmaxKernel(batch * tokens, tokens), { s });
        return tf.reshape(p, [batch, tokens, tokens]);
      }) as tf.Tensor3D;
      save([packed, probs]);
      const groups = [{ a: op('probs', square), b: op('qkv', block(2)), c: merged }];
      const mix = { batch, m: tokens, n: d, k: tokens, groups, outputShape: [rows, c] };
      return {
        value: viewMatMulGemm(mix, { probs, qkv: packed }) as tf.Tensor2D,
        gradFunc: (dy, saved) => {
          const [sqkv, sp] = saved as [tf.Tensor2D, tf.Tensor3D];
          const dout = dy as tf.Tensor2D;
          const dpProduct = product(tokens, tokens, d, op('dout', merged), op('qkv', block(2), true));
          const dp = viewMatMulGemm(dpProduct, { dout, qkv: sqkv });
          const dsKernel = softmaxGradKernel(batch * tokens, tokens, scale);
          const ds = runGemmKernel('LabSoftmaxGrad', dsKernel, { p: sp, dp });
          // dq = dS·k, dk = dSᵀ·q, dv = Pᵀ·dO: one GEMM, each into its column block of d(qkv).
          const groups = [
            { a: op('ds', square), b: op('qkv', block(1)), c: block(0) },
            { a: op('ds', square, true), b: op('qkv', block(0)), c: block(1) },
            { a: op('probs', square, true), b: op('dout', merged), c: block(2) },
          ];
          const grads = { batch, m: tokens, n: d, k: tokens, groups, outputShape: [rows, width] };
          return viewMatMulGemm(grads, { ds, qkv: sqkv, probs: sp, dout });
        },
      };
    }) as unknown as AttentionFn;
    cores.set(key, f);
  }
  return f(qkv);
}
