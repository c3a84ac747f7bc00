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

/**
 * The forward's: how many views of x it returns besides y, and `split`: 0, or x's channel count
 * when the normalised tensor is the channel concatenation of inputs `x` and `x2` (a skip
 * connection), which the forward then writes out as its one view.
 */
interface ForwardAttrs extends GroupNormAttrs {
  views: number;
  split: number;
}

/**
 * The gradient's: how many gradients of views it adds to x's (bound as `add0`, `add1`, …), and
 * the forward's `split`: then x's gradient is the output and x2's a side output.
 */
interface GradAttrs extends GroupNormAttrs {
  addends: number;
  split: number;
}

const addendNames = (count: number) => Array.from({ length: count }, (_, i) => `add${i}`);

const UNIFORMS = 'batch : i32, hw : i32, channels : i32, groups : i32, cg : i32, eps : f32, split : i32,';

/** The uniforms for the (concatenated) input's shape. */
function uniformsOf(xShape: number[], a: GroupNormAttrs & { split: number }): UniformValue[] {
  const [n, h, w, c] = xShape;
  return [i32(n), i32(h * w), i32(c), i32(a.groups), i32(c / a.groups), f32(a.eps), i32(a.split || c)];
}

/**
 * WGSL `part(i)`: where element i of the concatenation of x (`split` channels) and x2 lies:
 * (0, index in x) or (1, index in x2).
 */
const CONCAT_PART = `
    fn part(i : i32) -> vec2<i32> {
      let pix = i / uniforms.channels;
      let c = i - pix * uniforms.channels;
      if (c < uniforms.split) { return vec2<i32>(0, pix * uniforms.split + c); }
      return vec2<i32>(1, pix * (uniforms.channels - uniforms.split) + c - uniforms.split);
    }`;

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
    for (var k = i32(localId.x); k < count; k = k + WG) { s = s + readX(groupElement(base, k)); }
    let mean = workgroupSum(s) / f32(count);
    var q = 0.0;
    for (var k = i32(localId.x); k < count; k = k + WG) {
      let d = readX(groupElement(base, k)) - mean;
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
    (inputs, a) => {
      const shape = concatShape(inputs[0].shape, a.split ? inputs[1].shape : null);
      const program = groupProgram(
        a.split ? 'gn_cat' : 'gn',
        forwardInputs(a),
        shape,
        shape,
        a,
        `
        ${GROUP_STATS}
        if (n < uniforms.batch) {
          for (var k = i32(localId.x); k < count; k = k + WG) {
            let i = groupElement(base, k);
            let ch = g * uniforms.cg + k % uniforms.cg;
            let xv = readX(i);
            result[i] = act((xv - mean) * rstd * gamma[ch] + beta[ch]);
            ${a.split ? 'xcat[i] = xv;' : ''}
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
      );
      const main = program.getUserCode();
      const readX = a.split
        ? `${CONCAT_PART}
    fn readX(i : i32) -> f32 { let p = part(i); if (p.x == 0) { return x[p.y]; } return x2[p.y]; }`
        : 'fn readX(i : i32) -> f32 { return x[i]; }';
      program.getUserCode = () => `${readX}\n${main}`;
      return {
        program,
        uniforms: uniformsOf(shape, a),
        sideOutputs: [
          { name: 'stats', shape: [2 * (shape[0] * a.groups + shape[3])] },
          ...(a.split ? [{ name: 'xcat', shape }] : []),
        ],
        views: a.views,
      };
    },
    forwardInputs,
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
      const outputShape = a.split ? [n, h, w, a.split] : x.shape;
      const writeDx = a.split
        ? `${CONCAT_PART}
          fn writeDx(i : i32, v : f32) { let p = part(i); if (p.x == 0) { result[p.y] = v; } else { dx2[p.y] = v; } }`
        : 'fn writeDx(i : i32, v : f32) { result[i] = v; }';
      return {
        program: reductionProgram(
          `gn_grad${a.addends}${a.split ? '_cat' : ''}_${a.silu ? 'silu' : 'id'}`,
          gradInputs(a),
          outputShape,
          n * a.groups + c,
          wg,
          UNIFORMS,
          `const WG = ${wg};
          ${commonCode(a.silu)}
          ${writeDx}
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
              writeDx(i, rstd * (dxhat - m1 - xhat * m2)${addendNames(a.addends)
                .map((name) => ` + ${name}[i]`)
                .join('')});
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
          ...(a.split ? [{ name: 'dx2', shape: [n, h, w, c - a.split] }] : []),
          { name: 'dgamma', shape: [c] },
          { name: 'dbeta', shape: [c] },
        ],
      };
    },
    gradInputs,
  );
  tf.registerGradient({
    kernelName: FORWARD,
    // Saved: x, the statistics and, split, the concatenation (a first view otherwise: a clone
    // of x's data, which costs nothing).
    inputsToSave: ['x'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      // [dy, the statistics' (unused, zeros tfjs makes on the host and never uploads), the
      // concatenation's or views'].
      const [dy, , ...dViews] = dys as tf.Tensor[];
      const a = attrs as unknown as ForwardAttrs;
      const [x, stats] = a.split ? [saved[2], saved[1]] : saved;
      const addends = Object.fromEntries(addendNames(dViews.length).map((name, i) => [name, dViews[i]]));
      const grad: GradAttrs = {
        groups: a.groups,
        eps: a.eps,
        silu: a.silu,
        addends: dViews.length,
        split: a.split,
      };
      const outputs = runLabKernelOutputs(GRAD, { x, dy, stats, ...addends }, grad);
      const [dGamma, dBeta] = outputs.slice(-2);
      const dxs: Record<string, () => tf.Tensor> = a.split
        ? { x: () => outputs[0], x2: () => outputs[1] }
        : { x: () => outputs[0] };
      return { ...dxs, gamma: () => dGamma, beta: () => dBeta };
    },
  });
}

function forwardInputs(a: ForwardAttrs): string[] {
  return a.split ? ['x', 'x2', 'gamma', 'beta'] : ['x', 'gamma', 'beta'];
}

/** NHWC `x`'s shape, with `x2`'s channels added when given. */
function concatShape(x: number[], x2: number[] | null): number[] {
  return x2 ? [...x.slice(0, 3), x[3] + x2[3]] : x;
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
 * the host). With `concatWith`, the normalised tensor is x and `concatWith` concatenated along
 * the channels (a skip connection), read from both by the forward, which also writes the
 * concatenation out as the one view (`views` must be 1); the gradient kernel writes x's and
 * `concatWith`'s gradients apart. No concat or slice dispatch either way.
 */
export function groupNormForkWebGpu(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  attrs: GroupNormAttrs,
  views: number,
  concatWith?: tf.Tensor4D,
): tf.Tensor4D[] {
  const shape = concatShape(x.shape, concatWith?.shape ?? null);
  if (shape[3] % attrs.groups !== 0)
    throw new Error(`groupNormWebGpu: ${shape[3]} channels are not divisible into ${attrs.groups} groups`);
  if (concatWith && views !== 1)
    throw new Error(`groupNormWebGpu: a concatenation is its one view, not ${views}`);
  register();
  const forward: ForwardAttrs = {
    ...attrs,
    views: concatWith ? 0 : views,
    split: concatWith ? x.shape[3] : 0,
  };
  const inputs: Record<string, tf.Tensor> = { x, gamma, beta };
  if (concatWith) inputs.x2 = concatWith;
  const [y, stats, ...rest] = runLabKernelOutputs(FORWARD, inputs, forward) as tf.Tensor4D[];
  // The gradient keeps its own reference to the statistics (outputsToSave).
  stats.dispose();
  return [y, ...rest];
}
