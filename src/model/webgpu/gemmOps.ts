/**
 * The GEMM kernels of gemm.ts as tfjs ops on the WebGPU backend, differentiable through
 * `tf.customGrad` with GEMM kernels for their gradients: the conv (zero padding, stride and
 * nearest ×2 upsampling read by the loader; bias, residual and per-sample channel bias added by
 * the epilogue), the dense layer, and the batched products of attention.
 */
import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../convGrad';
import {
  biasRowOutputs,
  convFilterGradKernel,
  convForwardKernel,
  convInputGradKernel,
  denseWeightGradKernel,
  matMulKernel,
  partNames,
  reduceKernel,
  viewMatMulKernel,
  weightGradParts,
  type ElementwiseKernel,
  type Epilogue,
  type GemmKernel,
  type MatMulShape,
  type ViewMatMul,
} from './gemm';
import type { ConvGeometry } from '../products';
import { registerWebGpuKernel, runLabKernel, runLabKernelOutputs, type LabProgram } from './program';

/** The tfjs kernel names, one per product kind (dispatch counts and profiles show them). */
export const GEMM_KERNELS = {
  convForward: 'LabConvForward',
  convInputGrad: 'LabConvInputGrad',
  convFilterGrad: 'LabConvFilterGrad',
  matMul: 'LabMatMul',
  splitKSum: 'LabSplitKSum',
} as const;

type AnyKernel = GemmKernel | ElementwiseKernel;

/** A kernel of gemm.ts as a program for tfjs' `runWebGPUProgram`. */
export function labProgramOf(k: AnyKernel): LabProgram {
  return {
    variableNames: k.inputs,
    outputShape: k.outputShape,
    shaderKey: k.key,
    dispatchLayout: { x: k.outputShape.map((_, i) => i) },
    dispatch: k.dispatch,
    workgroupSize: k.workgroupSize,
    uniforms: k.uniforms.map((x) => `${x.name} : ${x.type},`).join(' '),
    size: false,
    ...(k.directives ? { directives: k.directives } : {}),
    getUserCode: () => `${k.code}
  fn main(index : i32) { gemm(); }`,
    ...(k.splitKSum ? { labSplitKSum: k.splitKSum } : {}),
  };
}

/** Every GEMM problem run in this process, newest last (the census test compares them). */
const recorded: { kernel: string; kernelKey: string; m: number; n: number; k: number; batch: number }[] = [];
let recording = false;

/** Starts (clearing) or stops recording the GEMM problems the kernels run. */
export function recordGemms(on: boolean): void {
  recording = on;
  recorded.length = 0;
}

/** The GEMM problems run since {@link recordGemms}(true). */
export function recordedGemms(): readonly (typeof recorded)[number][] {
  return recorded;
}

function register(name: string): void {
  registerWebGpuKernel<{ kernel: AnyKernel }>(
    name,
    (_, { kernel }) => {
      if (recording && 'plan' in kernel) {
        const p = kernel.plan;
        recorded.push({ kernel: name, kernelKey: kernel.key, m: p.m, n: p.n, k: p.k, batch: p.batch });
      }
      return {
        program: labProgramOf(kernel),
        uniforms: kernel.uniforms.map((x) => ({
          type: x.type === 'i32' ? 'int32' : 'float32',
          data: [x.value],
        })),
        sideOutputs: kernel.sideOutputs,
      };
    },
    ({ kernel }) => kernel.inputs,
  );
}

/**
 * Runs a kernel of gemm.ts (or one built like it) as the tfjs kernel `name` on the WebGPU
 * backend, its inputs by binding name.
 */
export function runGemmKernel(name: string, kernel: AnyKernel, inputs: Record<string, tf.Tensor>): tf.Tensor {
  register(name);
  return runLabKernel(name, inputs, { kernel });
}

/** {@link runGemmKernel} for a kernel with side outputs: its output, then each side output. */
function runGemmKernelOutputs(
  name: string,
  kernel: AnyKernel,
  inputs: Record<string, tf.Tensor>,
): tf.Tensor[] {
  register(name);
  return runLabKernelOutputs(name, inputs, { kernel });
}

const run = runGemmKernel;

/** Runs a split-K product and sums its partial products (one more dispatch when split). */
function runSplit(
  name: string,
  kernel: GemmKernel,
  inputs: Record<string, tf.Tensor>,
  shape: number[],
): tf.Tensor {
  return tf.tidy(() => {
    const partial = run(name, kernel, inputs);
    const { splits } = kernel.plan;
    if (splits === 1) return tf.reshape(partial, shape);
    const size = partial.size / splits;
    return run(GEMM_KERNELS.splitKSum, reduceKernel(splits, size, shape), { partial });
  });
}

/**
 * Runs a weight gradient whose kernel has a ones row (`biasRow`, a conv filter gradient with
 * `bias`): [dW (shape `shape`), db ([n]), and with `sampleRows` the per-sample sums ([samples,
 * n])] from one GEMM, plus the split-K sum when split, which also splits those rows off. No
 * separate column sums. With `drow` the per-sample sums are written into that tensor in place,
 * from `drowOffset` on, and not returned.
 */
function runSplitWithBias(
  name: string,
  kernel: GemmKernel,
  inputs: Record<string, tf.Tensor>,
  shape: number[],
  sampleRows = 0,
  drow?: { into: tf.Tensor; offset: number },
): tf.Tensor[] {
  const n = shape[shape.length - 1];
  const into: Record<string, tf.Tensor> = drow ? { drow: drow.into } : {};
  return tf.tidy(() => {
    const { splits } = kernel.plan;
    if (splits === 1) {
      const [dw, ...rest] = runGemmKernelOutputs(name, kernel, { ...inputs, ...into });
      return [tf.reshape(dw, shape), ...rest];
    }
    const partial = run(name, kernel, inputs);
    const size = partial.size / splits;
    const tails = biasRowOutputs(n, sampleRows, drow?.offset);
    return runGemmKernelOutputs(GEMM_KERNELS.splitKSum, reduceKernel(splits, size, shape, tails), {
      partial,
      ...into,
    });
  });
}

/** What a conv folds in besides its bias. */
export interface ConvOptions {
  stride: 1 | 2;
  pad: Padding;
  /** x is read nearest-×2-upsampled (the up blocks' resample conv). */
  upsample?: boolean;
  /** Added to the output (same shape): the resnet's shortcut. */
  residual?: tf.Tensor4D;
  /** Added per sample and output channel ([batch, co]): the resnet's time embedding. */
  rowBias?: tf.Tensor2D;
  /** The same read from a window of a buffer shared with other convs (instead of `rowBias`). */
  rowBiasWindow?: RowBiasWindow;
}

/**
 * A per-sample bias [batch, co] at `offset` of `packed` (every resnet's time projection, see
 * timeProjections.ts), whose gradient the conv's backward writes into `packed` at `gradOffset`
 * instead of returning it: `packed` is read outside tfjs' tape, so tfjs sums no gradients for it.
 */
export interface RowBiasWindow {
  packed: tf.Tensor1D;
  offset: number;
  gradOffset: number;
}

function geometry(x: tf.Tensor4D, w: tf.Tensor4D, o: ConvOptions): ConvGeometry {
  const [batch, h, wd, ci] = x.shape;
  const [kh, kw, wci, co] = w.shape;
  if (wci !== ci) throw new Error(`conv: the filter takes ${wci} channels, the input has ${ci}`);
  const up = o.upsample ? 2 : 1;
  return { batch, h: h * up, w: wd * up, ci, kh, kw, co, stride: o.stride, pad: o.pad, upsample: o.upsample };
}

type ConvFn = (...t: tf.Tensor[]) => tf.Tensor4D;
const convs = new Map<string, ConvFn>();

/**
 * conv2d(up?(x) zero-padded, w, stride) + b (+ residual) (+ rowBias per sample): one dispatch
 * forward; backward the input gradient as a GEMM (of the stored input when upsampled), and the
 * filter, bias and rowBias gradients as one split-K GEMM (+ its sum).
 */
export function convGemm(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, o: ConvOptions): tf.Tensor4D {
  const extra = [o.residual, o.rowBias].filter((t): t is tf.Tensor4D | tf.Tensor2D => t !== undefined);
  // A window's buffer and offsets are the call's own: its function is not shared.
  if (o.rowBiasWindow) return convFunction(o, o.rowBiasWindow)(x, w, b, ...extra);
  const key = `${o.stride}|${o.pad.join(',')}|${o.upsample ?? false}|${!!o.residual}|${!!o.rowBias}`;
  let f = convs.get(key);
  if (!f) {
    f = convFunction(o);
    convs.set(key, f);
  }
  return f(x, w, b, ...extra);
}

/** {@link convGemm} as a differentiable function of (x, w, b[, residual][, rowBias]). */
function convFunction(o: ConvOptions, window?: RowBiasWindow): ConvFn {
  const epilogue: Epilogue = {
    bias: true,
    residual: !!o.residual,
    rowBias: !!o.rowBias || !!window,
    ...(window ? { rowBiasOffset: window.offset } : {}),
  };
  const perSample = !!o.rowBias || !!window;
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xs, ws, bs, ...extra] = args as tf.Tensor[];
    const g = geometry(xs as tf.Tensor4D, ws as tf.Tensor4D, o);
    // The window's buffer is saved too: the backward pass writes its gradient into it.
    save(window ? [xs, ws, window.packed] : [xs, ws]);
    const inputs: Record<string, tf.Tensor> = { x: xs, w: ws, bias: bs };
    if (o.residual) inputs.res = extra.shift()!;
    if (o.rowBias) inputs.rowBias = extra.shift()!;
    if (window) inputs.rowBias = window.packed;
    return {
      value: run(GEMM_KERNELS.convForward, convForwardKernel(g, epilogue), inputs) as tf.Tensor4D,
      gradFunc: (dy, saved) => {
        const [sx, sw, packed] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor?];
        const dy4 = dy as tf.Tensor4D;
        const dx = run(GEMM_KERNELS.convInputGrad, convInputGradKernel(g), {
          dy: dy4,
          w: sw,
        }) as tf.Tensor4D;
        const [dw, db, dRowBias] = runSplitWithBias(
          GEMM_KERNELS.convFilterGrad,
          convFilterGradKernel(g, true, perSample, window?.gradOffset),
          { x: sx, dy: dy4 },
          sw.shape,
          perSample ? g.batch : 0,
          window && packed ? { into: packed, offset: window.gradOffset } : undefined,
        );
        const grads: tf.Tensor[] = [dx, dw, db];
        if (o.residual) grads.push(dy4);
        if (o.rowBias) grads.push(dRowBias);
        return grads;
      },
    };
  }) as unknown as ConvFn;
}

/** C = op(A)·op(B) for one matrix pair (a gradient), split-K when `s.splitK`. */
function matMul2d(a: tf.Tensor, b: tf.Tensor, s: Omit<MatMulShape, 'batch'>): tf.Tensor2D {
  const kernel = matMulKernel({ ...s, batch: 1, sharedB: true });
  return runSplit(GEMM_KERNELS.matMul, kernel, { a, b }, [s.m, s.n]) as tf.Tensor2D;
}

type LinearFn = (...t: tf.Tensor[]) => tf.Tensor2D;
const linears = new Map<boolean, LinearFn>();

/**
 * x·W + b (+ residual) (W [in, out]): one GEMM forward; dx = dy·Wᵀ, dW = xᵀ·dy with db = Σ dy as
 * its ones row (split-K over the rows, + its sum when split), the residual's gradient dy itself.
 */
export function linearGemm(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  residual?: tf.Tensor2D,
): tf.Tensor2D {
  const withResidual = residual !== undefined;
  let f = linears.get(withResidual);
  if (!f) {
    f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const [xs, ws, bs, res] = args as tf.Tensor2D[];
      const [rows, inCh] = xs.shape;
      const outCh = ws.shape[1];
      save([xs, ws]);
      const kernel = matMulKernel(
        { batch: 1, m: rows, n: outCh, k: inCh, transA: false, transB: false, sharedB: true },
        { bias: true, residual: withResidual },
      );
      const inputs: Record<string, tf.Tensor> = { a: xs, b: ws, bias: bs };
      if (res) inputs.res = res;
      return {
        value: tf.reshape(run(GEMM_KERNELS.matMul, kernel, inputs), [rows, outCh]) as tf.Tensor2D,
        gradFunc: (dy, saved) => {
          const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
          const weightGrad = denseWeightGradKernel(rows, inCh, outCh);
          const [dw, db] = runSplitWithBias(GEMM_KERNELS.matMul, weightGrad, { a: sx, b: dy }, [inCh, outCh]);
          const grads: tf.Tensor[] = [
            matMul2d(dy, sw, { m: rows, n: inCh, k: outCh, transA: false, transB: true }),
            dw,
            db,
          ];
          if (withResidual) grads.push(dy);
          return grads;
        },
      };
    }) as unknown as LinearFn;
    linears.set(withResidual, f);
  }
  return residual ? f(x, w, b, residual) : f(x, w, b);
}

type ProjectionsFn = (...t: tf.Tensor[]) => tf.Tensor2D;
const projections = new Map<number, ProjectionsFn>();

/** WebGPU's default storage buffers per shader stage: a kernel binds no more. */
const MAX_STORAGE_BINDINGS = 8;

/**
 * [x·W₁ + b₁ | x·W₂ + b₂ | …] for dense layers that read the same x (attention's to_q, to_k,
 * to_v): one GEMM whose B is the weights side by side where they lie, output [rows, Σ out_j].
 * Backward: dx = dy·[W₁|W₂|…]ᵀ as one GEMM (its k runs over the layers, so no gradient sum), and
 * every weight and bias gradient from one GEMM over dy's columns (+ its sum when split). The
 * parameters stay separate tensors. At most three layers: the forward binds x, the weights, the
 * biases and its output, and WebGPU guarantees 8 storage buffers per kernel.
 */
export function projectionsGemm(x: tf.Tensor2D, ws: tf.Tensor2D[], bs: tf.Tensor1D[]): tf.Tensor2D {
  const count = ws.length;
  if (count < 1 || bs.length !== count || 2 * count + 2 > MAX_STORAGE_BINDINGS)
    throw new Error(
      `projectionsGemm: 1 to 3 layers with a bias each, got ${count} weights and ${bs.length} biases`,
    );
  let f = projections.get(count);
  if (!f) {
    f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const [xs, ...rest] = args as tf.Tensor2D[];
      const [weights, biases] = [rest.slice(0, count), rest.slice(count)];
      const [rows, inCh] = xs.shape;
      const widths = weights.map((w) => w.shape[1]);
      const outCh = widths.reduce((a, b) => a + b, 0);
      save([xs, ...weights]);
      const named = (base: string, t: tf.Tensor[]) =>
        Object.fromEntries(partNames(base, t.length).map((n, j) => [n, t[j]]));
      const shape = { batch: 1, sharedB: true, bParts: widths };
      const kernel = matMulKernel(
        { ...shape, m: rows, n: outCh, k: inCh, transA: false, transB: false },
        { bias: true },
      );
      const value = run(GEMM_KERNELS.matMul, kernel, {
        a: xs,
        ...named('b', weights),
        ...named('bias', biases),
      });
      return {
        value: tf.reshape(value, [rows, outCh]) as tf.Tensor2D,
        gradFunc: (dy, saved) => {
          const [sx, ...sw] = saved as tf.Tensor2D[];
          const dxKernel = matMulKernel({
            ...shape,
            m: rows,
            n: inCh,
            k: outCh,
            transA: false,
            transB: true,
          });
          const dx = tf.reshape(run(GEMM_KERNELS.matMul, dxKernel, { a: dy, ...named('b', sw) }), [
            rows,
            inCh,
          ]);
          const columns = weightGradParts(widths);
          const dwKernel = denseWeightGradKernel(rows, inCh, outCh, columns);
          const grads = tf.tidy(() => {
            const { splits } = dwKernel.plan;
            if (splits === 1) return runGemmKernelOutputs(GEMM_KERNELS.matMul, dwKernel, { a: sx, b: dy });
            const partial = run(GEMM_KERNELS.matMul, dwKernel, { a: sx, b: dy });
            const reduce = reduceKernel(splits, partial.size / splits, [inCh, widths[0]], [], {
              columns,
              rows: inCh,
              n: outCh,
            });
            return runGemmKernelOutputs(GEMM_KERNELS.splitKSum, reduce, { partial });
          });
          return [dx, ...grads];
        },
      };
    }) as unknown as ProjectionsFn;
    projections.set(count, f);
  }
  return f(x, ...ws, ...bs);
}

/**
 * Products of one shape over views of their operands (gemm.ts' {@link viewMatMulKernel}), not
 * differentiable by itself: the attention core's forward and backward products.
 */
export function viewMatMulGemm(s: ViewMatMul, inputs: Record<string, tf.Tensor>): tf.Tensor {
  return run(GEMM_KERNELS.matMul, viewMatMulKernel(s), inputs);
}
