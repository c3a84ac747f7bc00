/**
 * GroupNorm (+ per-channel affine, + optional SiLU) as WebGPU kernels: one dispatch forward (the
 * output and, as a side output, each group's mean and 1/σ for the backward pass), two backward
 * (the input gradient; γ's and β's gradients together), where tfjs' own ops take about forty
 * (moments through transposes and reductions, ~10 elementwise ops and their autodiff). Semantics as PyTorch's GroupNorm: statistics per sample and group of C/G channels
 * over H·W·C/G values, biased variance, y = γ·(x−μ)/√(σ²+ε) + β, then y·σ(y) with `silu`.
 */
import * as tf from '@tensorflow/tfjs';
import {
  f32,
  i32,
  reductionProgram,
  reductionWorkgroup,
  registerWebGpuKernel,
  runLabKernel,
  runLabKernelOutputs,
  type UniformValue,
} from './program';
import { channelCount, channelParts, partBindings, type ChannelInput } from './concat';

/** The attributes every GroupNorm kernel takes. */
interface GroupNormAttrs {
  groups: number;
  eps: number;
  silu: boolean;
  /**
   * x is two tensors concatenated along channels (the up blocks' skip concatenation), `x` with
   * the first `split` channels and `x2` with the rest; 0: one tensor.
   */
  split?: number;
}

const UNIFORMS = 'batch : i32, hw : i32, channels : i32, groups : i32, cg : i32, eps : f32, c1 : i32,';

function uniformsOf(xShape: number[], a: GroupNormAttrs): UniformValue[] {
  const [n, h, w, c] = xShape;
  return [i32(n), i32(h * w), i32(c), i32(a.groups), i32(c / a.groups), f32(a.eps), i32(a.split || c)];
}

/** x's NHWC shape from a kernel's inputs (x, or x and x2 concatenated along channels). */
function shapeOf([x, x2]: tf.TensorInfo[], a: GroupNormAttrs): number[] {
  return a.split ? [...x.shape.slice(0, 3), x.shape[3] + x2.shape[3]] : x.shape;
}

/** The input names of a kernel that reads x: x is `x`, or `x` and `x2` for a concatenation. */
const xNames = (a: GroupNormAttrs, rest: string[]) => [...(a.split ? ['x', 'x2'] : ['x']), ...rest];

/**
 * WGSL: x at flat index i of the (concatenated) NHWC layout, and the store of the input
 * gradient there (into `result`, or for channels from c1 on the side output `dx2`).
 */
function sourceCode(split: boolean, writesDx: boolean): string {
  if (!split)
    return `
    fn xAt(i : i32) -> f32 { return x[i]; }
    ${writesDx ? 'fn storeDx(i : i32, v : f32) { result[i] = v; }' : ''}`;
  return `
    fn xAt(i : i32) -> f32 {
      let p = i / uniforms.channels;
      let c = i - p * uniforms.channels;
      if (c >= uniforms.c1) { return x2[p * (uniforms.channels - uniforms.c1) + c - uniforms.c1]; }
      return x[p * uniforms.c1 + c];
    }
    ${
      writesDx
        ? `fn storeDx(i : i32, v : f32) {
      let p = i / uniforms.channels;
      let c = i - p * uniforms.channels;
      if (c >= uniforms.c1) { dx2[p * (uniforms.channels - uniforms.c1) + c - uniforms.c1] = v; return; }
      result[p * uniforms.c1 + c] = v;
    }`
        : ''
    }`;
}

/**
 * WGSL shared by the kernels: the flat index of a group's k-th element, the activation and its
 * derivative with respect to the pre-activation a (dL/da = dL/dy · act'(a)).
 */
function commonCode(silu: boolean, split: boolean, writesDx = false): string {
  return `${sourceCode(split, writesDx)}
    fn groupElement(base : i32, k : i32) -> i32 {
      let p = k / uniforms.cg;
      return base + p * uniforms.channels + (k - p * uniforms.cg);
    }
    fn act(a : f32) -> f32 { return ${silu ? 'a / (1.0 + exp(-a))' : 'a'}; }
    fn actGrad(dy : f32, a : f32) -> f32 {
      ${silu ? 'let s = 1.0 / (1.0 + exp(-a)); return dy * s * (1.0 + a * (1.0 - s));' : 'return dy;'}
    }`;
}

/** WGSL: workgroup `grp` = (sample n, group g): its first element and element count. */
const GROUP_COORDS = `
    let grp = index / WG;
    let n = grp / uniforms.groups;
    let g = grp - n * uniforms.groups;
    let base = n * uniforms.hw * uniforms.channels + g * uniforms.cg;
    let count = uniforms.hw * uniforms.cg;`;

/** WGSL: two-pass mean and 1/√(var+ε) of the group (as PyTorch, not a one-pass E[x²]−E[x]²). */
const GROUP_STATS = `
    var s = 0.0;
    for (var k = i32(localId.x); k < count; k = k + WG) { s = s + xAt(groupElement(base, k)); }
    let mean = workgroupSum(s) / f32(count);
    var q = 0.0;
    for (var k = i32(localId.x); k < count; k = k + WG) {
      let d = xAt(groupElement(base, k)) - mean;
      q = q + d * d;
    }
    let rstd = inverseSqrt(workgroupSum(q) / f32(count) + uniforms.eps);`;

function groupProgram(
  key: string,
  names: string[],
  outputShape: number[],
  xShape: number[],
  a: GroupNormAttrs,
  main: string,
  writesDx = false,
) {
  const [n, h, w, c] = xShape;
  const wg = reductionWorkgroup((h * w * c) / a.groups);
  return reductionProgram(
    `${key}_${a.silu ? 'silu' : 'id'}${a.split ? '_cat' : ''}`,
    names,
    outputShape,
    n * a.groups,
    wg,
    UNIFORMS,
    `const WG = ${wg};
    ${commonCode(a.silu, !!a.split, writesDx)}
    fn main(index : i32) {
      ${GROUP_COORDS}
      ${main}
    }`,
  );
}

const FORWARD = 'LabGroupNorm';
const GRAD_X = 'LabGroupNormGradX';
const GRAD_AFFINE = 'LabGroupNormGradAffine';

function register(): void {
  registerWebGpuKernel<GroupNormAttrs>(
    FORWARD,
    (inputs, a) => ({
      program: groupProgram(
        'gn',
        xNames(a, ['gamma', 'beta']),
        shapeOf(inputs, a),
        shapeOf(inputs, a),
        a,
        `
        ${GROUP_STATS}
        if (n < uniforms.batch) {
          for (var k = i32(localId.x); k < count; k = k + WG) {
            let i = groupElement(base, k);
            let ch = g * uniforms.cg + k % uniforms.cg;
            result[i] = act((xAt(i) - mean) * rstd * gamma[ch] + beta[ch]);
          }
          if (localId.x == 0u) {
            stats[grp * 2] = mean;
            stats[grp * 2 + 1] = rstd;
          }
        }`,
      ),
      uniforms: uniformsOf(shapeOf(inputs, a), a),
      sideOutputs: [{ name: 'stats', shape: [inputs[0].shape[0] * a.groups, 2] }],
    }),
    (a) => xNames(a, ['gamma', 'beta']),
  );
  // dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) over the group, dx̂ = γ·act'(a)·dy.
  registerWebGpuKernel<GroupNormAttrs>(
    GRAD_X,
    (inputs, a) => ({
      program: groupProgram(
        'gn_dx',
        xNames(a, ['dy', 'gamma', 'beta', 'stats']),
        inputs[0].shape,
        shapeOf(inputs, a),
        a,
        `
        let mean = stats[grp * 2];
        let rstd = stats[grp * 2 + 1];
        var s1 = 0.0;
        var s2 = 0.0;
        for (var k = i32(localId.x); k < count; k = k + WG) {
          let i = groupElement(base, k);
          let ch = g * uniforms.cg + k % uniforms.cg;
          let xhat = (xAt(i) - mean) * rstd;
          let dxhat = actGrad(dy[i], xhat * gamma[ch] + beta[ch]) * gamma[ch];
          s1 = s1 + dxhat;
          s2 = s2 + dxhat * xhat;
        }
        let m1 = workgroupSum(s1) / f32(count);
        let m2 = workgroupSum(s2) / f32(count);
        if (n < uniforms.batch) {
          for (var k = i32(localId.x); k < count; k = k + WG) {
            let i = groupElement(base, k);
            let ch = g * uniforms.cg + k % uniforms.cg;
            let xhat = (xAt(i) - mean) * rstd;
            let dxhat = actGrad(dy[i], xhat * gamma[ch] + beta[ch]) * gamma[ch];
            storeDx(i, rstd * (dxhat - m1 - xhat * m2));
          }
        }`,
        true,
      ),
      uniforms: uniformsOf(shapeOf(inputs, a), a),
      ...(a.split ? { sideOutputs: [{ name: 'dx2', shape: inputs[1].shape }] } : {}),
    }),
    (a) => xNames(a, ['dy', 'gamma', 'beta', 'stats']),
  );
  // One workgroup per channel sums over batch and pixels: dγ = Σ act'(a)·dy·x̂ (the output) and
  // dβ = Σ act'(a)·dy (a side output) in one pass.
  registerWebGpuKernel<GroupNormAttrs>(
    GRAD_AFFINE,
    (inputs, a) => {
      const [n, h, w, c] = shapeOf(inputs, a);
      const wg = reductionWorkgroup(n * h * w);
      return {
        program: reductionProgram(
          `gn_daffine_${a.silu ? 'silu' : 'id'}${a.split ? '_cat' : ''}`,
          xNames(a, ['dy', 'gamma', 'beta', 'stats']),
          [c],
          c,
          wg,
          UNIFORMS,
          `const WG = ${wg};
          ${commonCode(a.silu, !!a.split)}
          fn main(index : i32) {
            let ch = index / WG;
            let count = uniforms.batch * uniforms.hw;
            let grpOfCh = ch / uniforms.cg;
            var sg = 0.0;
            var sb = 0.0;
            for (var k = i32(localId.x); k < count; k = k + WG) {
              let i = k * uniforms.channels + ch;
              let st = (k / uniforms.hw) * uniforms.groups + grpOfCh;
              let xhat = (xAt(i) - stats[st * 2]) * stats[st * 2 + 1];
              let da = actGrad(dy[i], xhat * gamma[ch] + beta[ch]);
              sg = sg + da * xhat;
              sb = sb + da;
            }
            let dGamma = workgroupSum(sg);
            let dBeta = workgroupSum(sb);
            if (localId.x == 0u && ch < uniforms.channels) {
              result[ch] = dGamma;
              dbeta[ch] = dBeta;
            }
          }`,
        ),
        uniforms: uniformsOf([n, h, w, c], a),
        sideOutputs: [{ name: 'dbeta', shape: [c] }],
      };
    },
    (a) => xNames(a, ['dy', 'gamma', 'beta', 'stats']),
  );
}

type GroupNormFn = (...t: tf.Tensor[]) => tf.Tensor4D;
const byAttrs = new Map<string, GroupNormFn>();

/**
 * GroupNorm with affine (and SiLU when `silu`) over NHWC on the WebGPU backend, differentiable
 * through its own backward kernels. Only valid while the active backend is 'webgpu'. x may be two
 * tensors concatenated along channels (read in place; their gradients written to each).
 */
export function groupNormWebGpu(
  x: ChannelInput,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  options: Omit<GroupNormAttrs, 'split'>,
): tf.Tensor4D {
  const parts = channelParts(x);
  const channels = channelCount(x);
  if (channels % options.groups !== 0)
    throw new Error(`groupNormWebGpu: ${channels} channels are not divisible into ${options.groups} groups`);
  const attrs: GroupNormAttrs = { ...options, split: parts.length > 1 ? parts[0].shape[3] : 0 };
  const key = `${attrs.groups}|${attrs.eps}|${attrs.silu}|${attrs.split}`;
  let f = byAttrs.get(key);
  if (!f) {
    register();
    f = tf.customGrad((...args) => {
      const save = args.pop() as tf.GradSaveFunc;
      const xs = args.slice(0, parts.length) as tf.Tensor4D[];
      const [g, b] = args.slice(parts.length) as tf.Tensor1D[];
      const [y, stats] = runLabKernelOutputs(FORWARD, { ...partBindings(xs), gamma: g, beta: b }, attrs);
      save([g, b, stats, ...xs]);
      return {
        value: y as tf.Tensor4D,
        gradFunc: (dy, saved) => {
          const [sg, sb, sstats, ...sx] = saved;
          const inputs = { ...partBindings(sx), dy: dy as tf.Tensor, gamma: sg, beta: sb, stats: sstats };
          const [dGamma, dBeta] = runLabKernelOutputs(GRAD_AFFINE, inputs, attrs);
          const dx = attrs.split
            ? runLabKernelOutputs(GRAD_X, inputs, attrs)
            : [runLabKernel(GRAD_X, inputs, attrs)];
          return [...dx, dGamma, dBeta];
        },
      };
    }) as unknown as GroupNormFn;
    byAttrs.set(key, f);
  }
  return f(...parts, gamma, beta);
}
