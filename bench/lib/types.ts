/**
 * The shapes that cross process boundaries in a benchmark run: what the runner asks of an
 * environment (Node, a browser page, PyTorch), the events an environment streams back, and the
 * results file written to bench/results/.
 */
import type { UNetPresetName } from '../../src/model/presets';

/**
 * Where a case runs. `pytorch` is the reference; the others are the lab (tfjs). `node-null` is
 * WebGPU on Dawn's Null backend (full validation, no GPU work): it measures the host's CPU time
 * per training step, tfjs path against compiled step (`env/hostCost.ts`), not speed.
 */
export type BenchBackend =
  'node-cpu' | 'node-webgpu' | 'node-null' | 'browser-webgpu' | 'browser-webgl' | 'pytorch';

/** Every backend, in the order a run visits them (cheapest and most informative first). */
export const BENCH_BACKENDS: readonly BenchBackend[] = [
  'pytorch',
  'node-cpu',
  'browser-webgl',
  'browser-webgpu',
  'node-webgpu',
  'node-null',
];

/** How a `node-null` case runs the training step: tfjs op by op, or the compiled step (and its replay). */
export type HostPath = 'tfjs' | 'compiled';

/**
 * What the host did per step in one timed sample of steps (or of replays of the compiled dispatch
 * list): a sample repeats the step until it spans enough CPU time for the thread clock's ticks.
 */
export interface HostStep {
  /** Steps in the sample (the other fields are per step). */
  repeats: number;
  /** Main-thread CPU milliseconds (`/proc/thread-self/schedstat`). */
  cpuMs: number;
  /** Compute dispatches encoded. */
  dispatches: number;
  /** Values drawn by the host's Philox draws (`src/random/draws.ts`). */
  randomValues: number;
  /** Bytes given to the GPU: `queue.writeBuffer` plus tfjs' uploads of tensor data. */
  uploadBytes: number;
}

/** What one environment runs for one (preset, backend) pair. Durations in milliseconds. */
export interface EnvSpec {
  preset: UNetPresetName;
  /** The tfjs backend (`cpu`, `webgl`, `webgpu`) or the PyTorch device (`cpu`, `cuda`). */
  device: string;
  batch: number;
  /** Timed training steps wanted (after the first step and the warm-up steps). */
  steps: number;
  warmup: number;
  /** Stop timing further training steps once this much time went into timed steps. */
  timedBudgetMs: number;
  /** A step (training or sampling) slower than this ends that part of the case. */
  capMs: number;
  sampleBatches: number[];
  /** Reverse steps per timed sampling run (after a one-step warm-up run). */
  sampleSteps: number;
  seed: number;
  /** Profile one more training step: GPU time per tfjs kernel (WebGPU timestamp queries). */
  profile?: boolean;
  /** WebGPU: the lab's fused kernels (src/model/fused.ts) rather than tfjs' own ops. */
  fused: boolean;
  /** Node WebGPU: optional shader features to switch on (`--gpu-features`, src/model/webgpu/features.ts). */
  gpuFeatures?: string;
  /** `node-null` only: which path this process measures (each path runs in its own process). */
  hostPath?: HostPath;
  /**
   * `node-null` only: the preset's block widths divided by this (a narrower twin with the same
   * blocks and layers) where the preset's training state does not fit Dawn's Null device.
   */
  widthDivisor?: number;
}

/** Kernel and memory counts over one step. `dispatches` is null where the backend has no GPU programs. */
export interface StepCounts {
  /** Kernels tfjs' engine ran (ops as the model calls them, forward and gradient). */
  kernels: number;
  /** GPU programs the backend ran (WebGPU compute dispatches, WebGL draws); null on the CPU. */
  dispatches: number | null;
  /** Largest number of bytes held in tensors at any kernel boundary of the step. */
  peakBytes: number;
}

/** What an environment reports, one event per line (Node: `@bench {json}` on stdout). */
export type BenchEvent =
  | { type: 'env'; device: string; parameters: number }
  | ({ type: 'train'; phase: 'first' | 'warmup' | 'timed'; ms: number; loss: number } & Partial<StepCounts>)
  | ({
      type: 'sample';
      batch: number;
      phase: 'first' | 'timed';
      steps: number;
      ms: number;
    } & Partial<StepCounts>)
  | { type: 'memory'; gpuBytes: number }
  /** Calls per kernel name and per GPU program class in the last timed training step. */
  | { type: 'tallies'; kernels: [string, number][]; dispatches: [string, number][] }
  /**
   * One extra training step under `tf.profile`: [kernel, GPU ms, calls] per registered kernel,
   * slowest first; `gpuMs` is their sum (0 where the device has no timestamp queries).
   */
  | { type: 'profile'; kernels: [string, number, number][]; gpuMs: number; wallMs: number }
  /**
   * `node-null`: the timed steps of one path (`replay`: the compiled step's dispatch list
   * submitted alone, in the compiled path's process). `buffers` (compiled only): the step's
   * activation bytes with and without liveness sharing.
   */
  | {
      type: 'host';
      path: HostPath | 'replay';
      /** The batch the path ran at. */
      batch: number;
      steps: HostStep[];
      buffers?: { activationBytes: number; unsharedActivationBytes: number };
      /** Compiled only: the step's dispatches by kernel (lab kernel name, else tfjs' shader key), most first. */
      kernels?: Record<string, number>;
    }
  | { type: 'stop'; what: 'train' | 'sample'; reason: string }
  | { type: 'error'; message: string }
  | { type: 'done' };

/** Sampling at one batch size. */
export interface SampleResult {
  batch: number;
  msPerStep: number | null;
  steps: number;
  dispatchesPerStep: number | null;
  kernelsPerStep: number | null;
  reason?: string;
}

/** One (preset, backend) pair of a run. */
export interface CaseResult {
  preset: UNetPresetName;
  backend: BenchBackend;
  batch: number;
  status: 'ok' | 'partial' | 'skipped' | 'failed';
  /** Why a case was skipped, failed or stopped early. */
  reason?: string;
  /** The adapter or device that really ran it (e.g. `webgpu google/swiftshader`, `cuda NVIDIA H100`). */
  device?: string;
  parameters?: number;
  firstStepMs: number | null;
  /** Median of the timed steps. */
  msPerStep: number | null;
  stepsTimed: number;
  stepMs: number[];
  imagesPerSec: number | null;
  kernelsPerStep: number | null;
  dispatchesPerStep: number | null;
  peakTensorBytes: number | null;
  gpuBytes: number | null;
  /** Analytic matrix-product FLOPs of one training step (src/model/flops.ts). */
  flopsPerStep: number;
  gflopsPerSec: number | null;
  /** Achieved / fp32 peak of the GPU, where the GPU is known. */
  peakFraction: number | null;
  /** This case's ms/step over PyTorch's for the same preset and batch in the same run. */
  vsPytorch: number | null;
  sampling: SampleResult[];
  /** The most frequent kernels and GPU programs of a training step: where fusion would pay. */
  topKernels: [string, number][];
  topDispatches: [string, number][];
  /** GPU time per kernel of one profiled training step (`--profile`), or null. */
  profile?: { kernels: [string, number, number][]; gpuMs: number; wallMs: number } | null;
  /** `node-null` cases: the host's cost per step on each path. */
  hostCost?: HostCostResult;
  /** Departures from the full protocol (fewer steps, another batch), shown in the table. */
  flags: string[];
}

/** Per-step means of one path's timed steps (CPU time: the median). */
export interface HostPathResult {
  /** The batch it ran at: the case's, or less for a tfjs path that did not fit Dawn's Null device. */
  batch: number;
  steps: number;
  hostMsPerStep: number;
  dispatchesPerStep: number;
  randomValuesPerStep: number;
  uploadBytesPerStep: number;
}

/** A `node-null` case: before (the tfjs path), after (the compiled step) and its replay; null where a path did not run. */
export interface HostCostResult {
  tfjs: HostPathResult | null;
  compiled: HostPathResult | null;
  replay: HostPathResult | null;
  activationBytes: number | null;
  unsharedActivationBytes: number | null;
  /** The compiled step's dispatches by kernel; null where it did not run. */
  kernels: Record<string, number> | null;
}

/** The machine a run ran on. */
export interface MachineInfo {
  /** Short name used in the results file name. */
  name: string;
  description: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  /** 1-minute load average when the run started: other work on the machine skews every number. */
  loadAverage: number;
  node: string;
  chromium?: string;
  /** The GPU by name when one is known (nvidia-smi), and its fp32 peak. */
  gpu?: { name: string; fp32PeakTflops: number | null };
}

/** A results file, bench/results/<date>-<machine>.json. */
export interface BenchRun {
  version: 1;
  date: string;
  commit: string | null;
  machine: MachineInfo;
  command: string;
  wallSeconds: number;
  cases: CaseResult[];
}
