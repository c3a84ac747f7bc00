/**
 * Self-attention's core, softmax(α·q·kᵀ)·v per batch entry, as two batched GEMMs around a fused
 * softmax kernel forward, and backward four GEMMs around one fused softmax-gradient kernel
 * (dS = α·P ⊙ (dP − Σ_j dP·P)). tfjs' ops take a BatchMatMul, a Mul, the Softmax's max, sub,
 * exp, sum and div forward and their autodiff backward.
 */
import * as tf from '@tensorflow/tfjs';
import type { ElementwiseKernel, GemmUniform } from './gemm';
import { batchMatMulGemm, runGemmKernel } from './gemmOps';

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

type AttentionFn = (q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D) => tf.Tensor3D;
const cores = new Map<number, AttentionFn>();

/**
 * softmax(scale·q·kᵀ)·v for q, k, v [batch, tokens, d] on WebGPU: 3 dispatches forward (scores
 * with the scale folded in, softmax, mix), 5 backward.
 */
export function attentionCoreWebGpu(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  scale: number,
): tf.Tensor3D {
  let f = cores.get(scale);
  if (!f) {
    f = tf.customGrad((...args) => {
      const [qs, ks, vs, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
      const [batch, tokens] = qs.shape;
      const p = tf.tidy(() => {
        const s = batchMatMulGemm(qs, ks, false, true, scale);
        return tf.reshape(
          runGemmKernel('LabSoftmax', softmaxKernel(batch * tokens, ks.shape[1]), { s }),
          s.shape,
        );
      }) as tf.Tensor3D;
      save([qs, ks, vs, p]);
      return {
        value: batchMatMulGemm(p, vs, false, false),
        gradFunc: (dy, saved) => {
          const [sq, sk, sv, sp] = saved as tf.Tensor3D[];
          const dO = dy as tf.Tensor3D;
          const dp = batchMatMulGemm(dO, sv, false, true);
          const dv = batchMatMulGemm(sp, dO, true, false);
          const ds = tf.reshape(
            runGemmKernel('LabSoftmaxGrad', softmaxGradKernel(batch * tokens, sk.shape[1], scale), {
              p: sp,
              dp,
            }),
            sp.shape,
          ) as tf.Tensor3D;
          return [batchMatMulGemm(ds, sk, false, false), batchMatMulGemm(ds, sq, true, false), dv];
        },
      };
    }) as unknown as AttentionFn;
    cores.set(scale, f);
  }
  return f(q, k, v);
}
