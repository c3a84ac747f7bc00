/**
 * The lab's own WebGPU compute programs, run by tfjs' WebGPU backend like its built-in ones:
 * an object with `variableNames` (the input bindings), `outputShape`, `dispatch`, `workgroupSize`,
 * `uniforms` and `getUserCode()`, handed to `backend.runWebGPUProgram`, which declares the input
 * and output buffers (`x`, `result`, …), the uniform struct and `_start`, and calls our
 * `fn main(index : i32)` with the global invocation index. Nothing here imports the backend: it
 * is only ever reached through kernels registered for the 'webgpu' backend name.
 */
import * as tf from '@tensorflow/tfjs';
import type { SplitKSum } from './gemm';
import { kernelFeatures } from './features';
import { SUBGROUPS_ENABLE, workgroupReduceWgsl } from './workgroupReduce';

/** A value in the program's uniform struct, in the order of its `uniforms` declaration. */
export interface UniformValue {
  type: 'int32' | 'float32';
  data: number[];
}

/** What `runWebGPUProgram` reads from a program (tfjs-backend-webgpu 4.22's WebGPUProgram). */
export interface LabProgram {
  variableNames: string[];
  outputShape: number[];
  /** Part of the backend's pipeline cache key: everything baked into the WGSL must be in it. */
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  size: boolean;
  getUserCode(): string;
  /** The kernel that ran it, for dispatch counts (tfjs' own programs are told apart by class). */
  labKernel?: string;
  /**
   * Positions in `variableNames` of bindings the program writes (side outputs, see
   * {@link SideOutput}); a compiled step's capture reads it to know they are written, not read.
   */
  labWrites?: number[];
  /** Set on a split-K sum (a compiled step's capture records it, to merge such sums). */
  labSplitKSum?: SplitKSum;
  /**
   * `enable` directives (`enable subgroups;`) the module must start with: tfjs puts its own
   * declarations first, so the lab puts these before them when tfjs compiles the program.
   */
  directives?: string;
}

/**
 * A second (third, …) output of a lab kernel, e.g. a bias gradient beside a filter gradient, or a
 * GroupNorm's statistics beside its output: tfjs programs have one output binding, so a side
 * output is bound after the inputs as one more storage buffer, which the kernel's WGSL declares
 * read_write (its name, like an input's, is what the WGSL uses).
 */
export interface SideOutput {
  name: string;
  shape: number[];
  /**
   * Written into the kernel's input of this name (passed to `runKernel` beside the read inputs)
   * rather than into a new tensor, and not returned: a window of a buffer several kernels fill.
   */
  inPlace?: boolean;
}

/** The part of tfjs' WebGPUBackend the kernels use. */
interface WebGpuBackendLike {
  device: GPUDevice;
  makeTensorInfo(shape: number[], dtype: 'float32'): tf.TensorInfo;
  incRef(dataId: tf.DataId): void;
  runWebGPUProgram(
    program: LabProgram,
    inputs: tf.TensorInfo[],
    dtype: 'float32',
    uniforms?: UniformValue[],
  ): tf.TensorInfo;
}

/** Threads per workgroup of the reduction programs: a power of two (the tree sum halves it). */
export function reductionWorkgroup(elementsPerGroup: number): number {
  return elementsPerGroup >= 4096 ? 256 : 64;
}

/**
 * A program whose workgroup w (of `workgroups`) reduces over some elements with `workgroupSum`
 * (`workgroupReduce.ts`; through subgroup operations when `subgroups`, by default what the
 * device was granted); `main` gets `index`, so `index / wg` is the workgroup and `localId.x` the
 * thread.
 */
export function reductionProgram(
  key: string,
  variableNames: string[],
  outputShape: number[],
  workgroups: number,
  wg: number,
  uniforms: string,
  body: string,
  subgroups = kernelFeatures().subgroups,
): LabProgram {
  return {
    variableNames,
    outputShape,
    shaderKey: `lab_${key}_${wg}${subgroups ? '_sg' : ''}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [workgroups, 1, 1],
    workgroupSize: [wg, 1, 1],
    uniforms,
    size: false,
    ...(subgroups ? { directives: SUBGROUPS_ENABLE } : {}),
    getUserCode: () => `
      ${workgroupReduceWgsl({ name: 'workgroupSumAt', op: 'add', workgroupSize: wg, subgroups })}
      // Sum of v over the workgroup's threads, returned to every thread. Called from uniform
      // control flow only (it has barriers).
      fn workgroupSum(v : f32) -> f32 { return workgroupSumAt(v, localId.x); }
      ${body}`,
  };
}

/** A program with one thread per output element (`index`), guarded by `uniforms.size`. */
export function elementwiseProgram(
  key: string,
  variableNames: string[],
  outputShape: number[],
  uniforms: string,
  body: string,
): LabProgram {
  const wg = 128;
  const size = outputShape.reduce((a, b) => a * b, 1);
  return {
    variableNames,
    outputShape,
    shaderKey: `lab_${key}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(size / wg), 1, 1],
    workgroupSize: [wg, 1, 1],
    uniforms,
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

const runs = new Map<string, number>();

/**
 * How many times each lab kernel has run in this process: the proof that a path went through
 * the fused kernels (the browser parity test asserts it).
 */
export function labKernelRuns(): ReadonlyMap<string, number> {
  return runs;
}

/**
 * Runs `compile` with the device's `createShaderModule` rewriting each module's code (tfjs
 * compiles a program once per shader key, inside `runWebGPUProgram`).
 */
function withShaderCode<T>(device: GPUDevice, rewrite: (code: string) => string, compile: () => T): T {
  const create = device.createShaderModule;
  device.createShaderModule = (descriptor) =>
    create.call(device, { ...descriptor, code: rewrite(descriptor.code) });
  try {
    return compile();
  } finally {
    device.createShaderModule = create;
  }
}

/**
 * Runs `program` with its side outputs bound after the inputs: tfjs declares every input binding
 * `var<storage, read>`, so while tfjs compiles the program (once per shader key) the side
 * outputs' declarations are made read_write, and its `directives` are put first. Returns the
 * output, then the side outputs that are not written in place.
 */
function runProgram(
  backend: WebGpuBackendLike,
  program: LabProgram,
  inputs: tf.TensorInfo[],
  uniforms: UniformValue[],
  sides: readonly SideOutput[] = [],
  named: tf.NamedTensorInfoMap = {},
): tf.TensorInfo[] {
  const written = sides.map((s) => {
    if (!s.inPlace) return backend.makeTensorInfo(s.shape, 'float32');
    const into = named[s.name];
    if (!into) throw new Error(`side output ${s.name}: no input to write it into`);
    return into;
  });
  if (sides.length > 0) {
    program.variableNames = [...program.variableNames, ...sides.map((s) => s.name)];
    program.labWrites = sides.map((_, i) => inputs.length + i);
  }
  const rewrite = (source: string) => {
    let code = source;
    for (const s of sides) {
      const read = `var<storage, read> ${s.name}: array<`;
      if (!code.includes(read)) throw new Error(`side output ${s.name}: no binding declared in the program`);
      code = code.replace(read, `var<storage, read_write> ${s.name}: array<`);
    }
    return program.directives ? `${program.directives}\n${code}` : code;
  };
  const run = () => backend.runWebGPUProgram(program, [...inputs, ...written], 'float32', uniforms);
  const output =
    sides.length > 0 || program.directives ? withShaderCode(backend.device, rewrite, run) : run();
  return [output, ...written.filter((_, i) => !sides[i].inPlace)];
}

/**
 * Registers a WebGPU kernel once; `run` builds the program and its uniforms from the inputs, named
 * by `inputNames` (a fixed list, or one the attributes give), and may ask for side outputs and for
 * `views`: more outputs that are the first input itself (its data, no copy, as tfjs' Reshape
 * returns), so that several readers of a tensor read distinct tensors and send their gradients to
 * the kernel's own gradient function separately (see groupNorm.ts). The kernel then returns the
 * output, the side outputs and the views, in that order.
 */
export function registerWebGpuKernel<A extends object>(
  kernelName: string,
  run: (
    inputs: tf.TensorInfo[],
    attrs: A,
  ) => { program: LabProgram; uniforms: UniformValue[]; sideOutputs?: readonly SideOutput[]; views?: number },
  inputNames: readonly string[] | ((attrs: A) => readonly string[]),
): void {
  if (tf.getKernel(kernelName, 'webgpu')) return;
  tf.registerKernel({
    kernelName,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const names = typeof inputNames === 'function' ? inputNames(attrs as unknown as A) : inputNames;
      const list = names.map((name) => {
        const t = inputs[name];
        if (!t) throw new Error(`${kernelName}: missing input "${name}"`);
        return t;
      });
      const { program, uniforms, sideOutputs, views = 0 } = run(list, attrs as unknown as A);
      program.labKernel = kernelName;
      runs.set(kernelName, (runs.get(kernelName) ?? 0) + 1);
      const gpu = backend as unknown as WebGpuBackendLike;
      const outputs = runProgram(gpu, program, list, uniforms, sideOutputs, inputs);
      const [x] = list;
      for (let i = 0; i < views; i++) {
        gpu.incRef(x.dataId);
        outputs.push({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
      }
      return outputs.length === 1 ? outputs[0] : outputs;
    },
  });
}

/** Runs a registered lab kernel through tfjs' engine (so tidy and memory accounting see it). */
export function runLabKernel(
  kernelName: string,
  inputs: Record<string, tf.Tensor>,
  attrs: object = {},
): tf.Tensor {
  return tf.engine().runKernel(kernelName, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** Runs a registered lab kernel that has side outputs: its output, then each side output. */
export function runLabKernelOutputs(
  kernelName: string,
  inputs: Record<string, tf.Tensor>,
  attrs: object = {},
): tf.Tensor[] {
  return tf.engine().runKernel(kernelName, inputs, attrs as tf.NamedAttrMap) as tf.Tensor[];
}

/** Shorthands for uniform values. */
export const i32 = (...data: number[]): UniformValue => ({ type: 'int32', data });
export const f32 = (...data: number[]): UniformValue => ({ type: 'float32', data });
