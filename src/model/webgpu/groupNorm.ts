/**
 * GroupNorm (+ per-channel affine, + optional SiLU) as WebGPU kernels: one dispatch forward (the
 * output and, as a side output, each group's mean and 1/σ for the backward pass), one backward
 * (the input gradient, and γ's and β's as side outputs, from workgroups of two kinds), where
 * tfjs' own ops take about forty (moments through transposes and reductions, ~10 elementwise
 * ops and their autodiff). Semantics as PyTorch's GroupNorm: statistics per sample and group of
 * C/G channels over H·W·C/G values, biased variance, y = γ·(x−μ)/√(σ²+ε) + β, then y·σ(y) with
 * `silu`. The forward can also hand out views of its input (a fork, {@link groupNormForkWebGpu}):
 * the input's other readers (a shortcut, a residual, a skip) read those, and their gradients are
 * added to x's by the gradient kernel itself instead of by tfjs' autodiff, one add dispatch per
 * reader.
 */
import * as tf from '@tensorflow/tfjs';
import {
  f32,
  i32,
  reductionProgram,
  reductionWorkgroup,
  registerWebGpuKernel,
  runLabKernelOutputs,
  type UniformValue,
} from './program';

/** The attributes every GroupNorm kernel takes. */
interface GroupNormAttrs {
  groups: number;
  eps: number;
  silu: boolean;
}

/** The forward's: how many views of x it returns besides y. */
interface ForwardAttrs extends GroupNormAttrs {
  views: number;
}

/** The gradient's: how many gradients of views it adds to x's (bound as `add0`, `add1`, …). */
interface GradAttrs extends GroupNormAttrs {
  addends: number;
}

const addendNames = (count: number) => Array.from({ length: count }, (_, i) => `add${i}`);

const UNIFORMS = 'batch : i32, hw : i32, channels : i32, groups : i32, cg : i32, eps : f32,';

function uniformsOf(xShape: number[], a: GroupNormAttrs): UniformValue[] {
  const [n, h, w, c] = xShape;
  return [i32(n), i32(h * w), i32(c), i32(a.groups), i32(c / a.groups), f32(a.eps)];
}

/**
 * WGSL shared by the kernels: the flat index of a group's k-th element, the activation and its
 * derivative with respect to the pre-activation a (dL/da = dL/dy · act'(a)).
 */
function commonCode(silu: boolean): string {
  return `
    fn groupElement(base : i32, k : i32) -> i32 {
      let p = k / uniforms.cg;
      return base + p * uniforms.channels + (k - p * uniforms.cg);
    }
    // In the statistics (side output of the forward): each group's mean and 1/σ, then γ and β
    // as the forward read them, so the backward binds neither (WebGPU guarantees only 8 storage
    // buffers a shader: x, dy, the statistics, 2 views' gradients, dx, dγ and dβ).
    fn affineAt() -> i32 { return 2 * uniforms.batch * uniforms.groups; }
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
    for (var k = i32(localId.x); k < count; k = k + WG) { s = s + x[groupElement(base, k)]; }
    let mean = workgroupSum(s) / f32(count);
    var q = 0.0;
    for (var k = i32(localId.x); k < count; k = k + WG) {
      let d = x[groupElement(base, k)] - mean;
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
) {
  const [n, h, w, c] = xShape;
  const wg = reductionWorkgroup((h * w * c) / a.groups);
  return reductionProgram(
    `${key}_${a.silu ? 'silu' : 'id'}`,
    names,
    outputShape,
    n * a.groups,
    wg,
    UNIFORMS,
    `const WG = ${wg};
    ${commonCode(a.silu)}
    fn main(index : i32) {
      ${GROUP_COORDS}
      ${main}
    }`,
  );
}

const FORWARD = 'LabGroupNorm';
const GRAD = 'LabGroupNormGrad';

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  registerWebGpuKernel<ForwardAttrs>(
    FORWARD,
    ([x], a) => ({
      program: groupProgram(
        'gn',
        ['x', 'gamma', 'beta'],
        x.shape,
        x.shape,
        a,
        `
        ${GROUP_STATS}
        if (n < uniforms.batch) {
          for (var k = i32(localId.x); k < count; k = k + WG) {
            let i = groupElement(base, k);
            let ch = g * uniforms.cg + k % uniforms.cg;
            result[i] = act((x[i] - mean) * rstd * gamma[ch] + beta[ch]);
          }
          if (localId.x == 0u) {
            stats[grp * 2] = mean;
            stats[grp * 2 + 1] = rstd;
          }
          if (grp == 0) {
            for (var c = i32(localId.x); c < uniforms.channels; c = c + WG) {
              stats[affineAt() + c] = gamma[c];
              stats[affineAt() + uniforms.channels + c] = beta[c];
            }
          }
        }`,
      ),
      uniforms: uniformsOf(x.shape, a),
      sideOutputs: [{ name: 'stats', shape: [2 * (x.shape[0] * a.groups + x.shape[3])] }],
      views: a.views,
    }),
    ['x', 'gamma', 'beta'],
  );
  // One dispatch, two kinds of workgroup. The first batch·groups each take a (sample, group):
  // dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) over the group, dx̂ = γ·act'(a)·dy, plus the
  // views' gradients. The last `channels` each take a channel and sum over batch and pixels
  // dγ = Σ act'(a)·dy·x̂ and dβ = Σ act'(a)·dy (side outputs). Neither reads what the other
  // writes, so they run side by side. Every workgroup passes both halves' barriers (uniform
  // control flow); the loops of the half it does not take run zero times.
  registerWebGpuKernel<GradAttrs>(
    GRAD,
    ([x], a) => {
      const [n, h, w, c] = x.shape;
      const wg = reductionWorkgroup(Math.max((h * w * c) / a.groups, n * h * w));
      return {
        program: reductionProgram(
          `gn_grad${a.addends}_${a.silu ? 'silu' : 'id'}`,
          gradInputs(a),
          x.shape,
          n * a.groups + c,
          wg,
          UNIFORMS,
          `const WG = ${wg};
          ${commonCode(a.silu)}
          fn gammaOf(ch : i32) -> f32 { return stats[affineAt() + ch]; }
          fn betaOf(ch : i32) -> f32 { return stats[affineAt() + uniforms.channels + ch]; }
          fn main(index : i32) {
            ${GROUP_COORDS}
            let isX = n < uniforms.batch;
            let countX = select(0, count, isX);
            let at = select(0, grp, isX) * 2;
            let mean = stats[at];
            let rstd = stats[at + 1];
            var s1 = 0.0;
            var s2 = 0.0;
            for (var k = i32(localId.x); k < countX; k = k + WG) {
              let i = groupElement(base, k);
              let ch = g * uniforms.cg + k % uniforms.cg;
              let xhat = (x[i] - mean) * rstd;
              let dxhat = actGrad(dy[i], xhat * gammaOf(ch) + betaOf(ch)) * gammaOf(ch);
              s1 = s1 + dxhat;
              s2 = s2 + dxhat * xhat;
            }
            let m1 = workgroupSum(s1) / f32(max(countX, 1));
            let m2 = workgroupSum(s2) / f32(max(countX, 1));
            for (var k = i32(localId.x); k < countX; k = k + WG) {
              let i = groupElement(base, k);
              let ch = g * uniforms.cg + k % uniforms.cg;
              let xhat = (x[i] - mean) * rstd;
              let dxhat = actGrad(dy[i], xhat * gammaOf(ch) + betaOf(ch)) * gammaOf(ch);
              result[i] = rstd * (dxhat - m1 - xhat * m2)${addendNames(a.addends)
                .map((name) => ` + ${name}[i]`)
                .join('')};
            }
            let ch = grp - uniforms.batch * uniforms.groups;
            let countAffine = select(uniforms.batch * uniforms.hw, 0, isX);
            let grpOfCh = ch / uniforms.cg;
            var sg = 0.0;
            var sb = 0.0;
            for (var k = i32(localId.x); k < countAffine; k = k + WG) {
              let i = k * uniforms.channels + ch;
              let st = (k / uniforms.hw) * uniforms.groups + grpOfCh;
              let xhat = (x[i] - stats[st * 2]) * stats[st * 2 + 1];
              let da = actGrad(dy[i], xhat * gammaOf(ch) + betaOf(ch));
              sg = sg + da * xhat;
              sb = sb + da;
            }
            let dGamma = workgroupSum(sg);
            let dBeta = workgroupSum(sb);
            if (!isX && localId.x == 0u && ch < uniforms.channels) {
              dgamma[ch] = dGamma;
              dbeta[ch] = dBeta;
            }
          }`,
        ),
        uniforms: uniformsOf(x.shape, a),
        sideOutputs: [
          { name: 'dgamma', shape: [c] },
          { name: 'dbeta', shape: [c] },
        ],
      };
    },
    gradInputs,
  );
  tf.registerGradient({
    kernelName: FORWARD,
    inputsToSave: ['x'],
    outputsToSave: [false, true],
    gradFunc: (dys, saved, attrs) => {
      // [dy, the statistics' (unused, zeros tfjs makes on the host and never uploads), the views'].
      const [dy, , ...dViews] = dys as tf.Tensor[];
      const [x, stats] = saved;
      const a = attrs as unknown as ForwardAttrs;
      const addends = Object.fromEntries(addendNames(dViews.length).map((name, i) => [name, dViews[i]]));
      const grad: GradAttrs = { groups: a.groups, eps: a.eps, silu: a.silu, addends: dViews.length };
      const [dx, dGamma, dBeta] = runLabKernelOutputs(GRAD, { x, dy, stats, ...addends }, grad);
      return { x: () => dx, gamma: () => dGamma, beta: () => dBeta };
    },
  });
}

function gradInputs(a: GradAttrs): string[] {
  return ['x', 'dy', 'stats', ...addendNames(a.addends)];
}

/**
 * GroupNorm with affine (and SiLU when `silu`) over NHWC on the WebGPU backend, differentiable
 * through its own backward kernels. Only valid while the active backend is 'webgpu'.
 */
export function groupNormWebGpu(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  attrs: GroupNormAttrs,
): tf.Tensor4D {
  return groupNormForkWebGpu(x, gamma, beta, attrs, 0)[0];
}

/**
 * {@link groupNormWebGpu}(x) and `views` views of x (its data, no copy) for x's other readers:
 * one forward dispatch, and backward x's whole gradient (the norm's plus every view's) in the
 * gradient kernel. Each view must reach the loss (an unused one's gradient is zeros made on
 * the host).
 */
export function groupNormForkWebGpu(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  attrs: GroupNormAttrs,
  views: number,
): tf.Tensor4D[] {
  if (x.shape[3] % attrs.groups !== 0)
    throw new Error(`groupNormWebGpu: ${x.shape[3]} channels are not divisible into ${attrs.groups} groups`);
  register();
  const forward: ForwardAttrs = { ...attrs, views };
  const [y, stats, ...rest] = runLabKernelOutputs(FORWARD, { x, gamma, beta }, forward) as tf.Tensor4D[];
  // The gradient keeps its own reference to the statistics (outputsToSave).
  stats.dispose();
  return [y, ...rest];
}
