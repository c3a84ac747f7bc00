/**
 * Command-line options of `npm run bench` (and of the bundled GPU runner). Defaults are sized so
 * that a run on a 2-core machine without a GPU (WebGPU on SwiftShader) ends within ~15 minutes:
 * cases that cannot are cut by the caps and budgets, and the results say so.
 */
import { UNET_PRESET_NAMES, type UNetPresetName } from '../../src/model/presets';
import { parseGpuFeatures } from '../../src/model/webgpu/features';
import { BENCH_BACKENDS, type BenchBackend } from './types';

export interface BenchOptions {
  presets: UNetPresetName[];
  backends: BenchBackend[];
  /** Timed training steps per case (the median is reported); 10 is the protocol. */
  steps: number;
  /** Untimed steps after the first (shader compile) step, which is always untimed. */
  warmup: number;
  /** Overrides every preset's batch (the table flags it). */
  batch: number | null;
  sampleBatches: number[];
  sampleSteps: number;
  /** Seconds one step may take; a slower step ends that part of the case, with the reason recorded. */
  capSeconds: number;
  /** Seconds the first step (which compiles every shader) may take. */
  firstCapSeconds: number;
  /** Seconds of timed training steps per case; fewer than `steps` steps are flagged. */
  caseBudgetSeconds: number;
  /** Seconds for the whole run; cases that do not fit are skipped with that reason. */
  budgetSeconds: number;
  /** Name of the machine in the results file name; default derived from the hardware. */
  machine: string | null;
  resultsDir: string;
  /** Write bench/results/*.json and update bench/RESULTS.md. */
  write: boolean;
  /** Also write one summary row per case here (`node-null`: the host-cost fields of issue 14; `--gemm-census`: its GEMM rows). */
  json: string | null;
  torchDevice: 'auto' | 'cpu' | 'cuda';
  python: string | null;
  /** Path of the `webgpu` package's dawn.node; default: the installed package's. */
  dawn: string | null;
  /** Use the prebuilt case bundles in this folder instead of building them (the bundled GPU runner). */
  bundles: string | null;
  /** Profile one extra training step per tfjs case (GPU time per kernel). */
  profile: boolean;
  /** WebGPU cases with the lab's fused kernels (`on`), tfjs' own ops (`off`), or each both ways. */
  fused: 'on' | 'off' | 'both';
  /** Instead of the cases: the GEMM census of one training step per preset, and the kernel micro-bench. */
  gemmCensus: boolean;
  /** Batch of the --gemm-census micro-bench (small: SwiftShader runs a GFLOP in about a minute). */
  microBatch: number;
  /**
   * Optional WebGPU shader features (`src/model/webgpu/features.ts`) as `--gpu-features` names
   * them, '' for none: node WebGPU cases run with them; the micro-bench runs each kernel with
   * them off and on.
   */
  gpuFeatures: string;
  help: boolean;
}

/** A command-line option that is unknown or has a value outside what it allows. */
export class BenchOptionsError extends Error {
  override readonly name = 'BenchOptionsError';
}

/** The backends a run visits unless told: all but `node-null`, which measures host cost, not speed. */
const DEFAULT_BACKENDS = BENCH_BACKENDS.filter((b) => b !== 'node-null');

export const DEFAULT_OPTIONS: Readonly<BenchOptions> = Object.freeze({
  presets: [...UNET_PRESET_NAMES],
  backends: [...DEFAULT_BACKENDS],
  steps: 10,
  // The first step (which compiles every shader) is the warm-up; more cost minutes on SwiftShader.
  warmup: 0,
  batch: null,
  sampleBatches: [16, 64],
  sampleSteps: 5,
  capSeconds: 120,
  firstCapSeconds: 300,
  caseBudgetSeconds: 45,
  budgetSeconds: 840,
  machine: null,
  resultsDir: 'bench/results',
  write: true,
  json: null,
  torchDevice: 'auto',
  python: null,
  dawn: null,
  bundles: null,
  profile: false,
  fused: 'on',
  gemmCensus: false,
  microBatch: 1,
  gpuFeatures: '',
  help: false,
});

export const USAGE = `npm run bench -- [options]

  --presets LIST        ${UNET_PRESET_NAMES.join(',')} (default: all)
  --backends LIST       ${BENCH_BACKENDS.join(',')} (default: all but node-null)
                        node-null: host CPU per training step on Dawn's Null backend, tfjs path
                        vs compiled step vs its replay (no GPU work, no sampling)
  --steps N             timed training steps per case, median reported (default ${DEFAULT_OPTIONS.steps})
  --warmup N            untimed steps after the first, compiling step (default ${DEFAULT_OPTIONS.warmup})
  --batch N             use this batch for every preset instead of the preset's own
  --sample-batches LIST sampling batch sizes, or "none" (default ${DEFAULT_OPTIONS.sampleBatches.join(',')})
  --sample-steps N      reverse steps per timed sampling run (default ${DEFAULT_OPTIONS.sampleSteps})
  --cap S               seconds one step may take before the case moves on (default ${DEFAULT_OPTIONS.capSeconds})
  --first-cap S         seconds the first step (shader compile) may take (default ${DEFAULT_OPTIONS.firstCapSeconds})
  --case-budget S       seconds of timed training steps per case (default ${DEFAULT_OPTIONS.caseBudgetSeconds})
  --budget S            seconds for the whole run (default ${DEFAULT_OPTIONS.budgetSeconds})
  --machine NAME        machine name for the results file (default: from the hardware)
  --results DIR         where results JSON goes (default ${DEFAULT_OPTIONS.resultsDir})
  --no-write            print the table only; write no files
  --json FILE           also write one summary row per case to FILE (node-null: preset, batch,
                        dispatchesPerStep, hostMsPerStep, replayHostMsPerStep, hostRandomValuesPerStep,
                        uploadBytesPerStep, the tfjs path's numbers and the dispatches by kernel;
                        with --gemm-census: its rows)
  --profile             after the timed steps, one profiled step: GPU ms per tfjs kernel (WebGPU)
  --torch-device D      auto, cpu or cuda (default auto)
  --python PATH         interpreter with torch (default /usr/bin/python3, else python3)
  --dawn PATH           the webgpu package's dawn.node (default: the installed one)
  --bundles DIR         prebuilt node-case.mjs / browser-case.js (default: build into bench/out)
  --fused MODE          WebGPU with the lab's fused kernels (on), tfjs' ops (off) or both rows (default on)
  --gemm-census         instead of timing steps: every GEMM dispatch of one training step per preset (lab
                        kernels and tfjs' before), then the kernel micro-bench on WebGPU at --batch
  --micro-batch N       batch of the --gemm-census micro-bench (default 1); --steps is its repetitions
  --gpu-features LIST   optional WebGPU shader features: subgroups, shader-f16 (default none; a
                        feature the adapter lacks is said and left off): node-webgpu and node-null
                        cases run with them; the micro-bench runs each kernel with them off and on
  --help`;

type Setter = (o: BenchOptions, value: string, flag: string) => void;

const SETTERS: Record<string, Setter> = {
  presets: (o, v, f) => (o.presets = list(v, f, UNET_PRESET_NAMES)),
  backends: (o, v, f) => (o.backends = list(v, f, BENCH_BACKENDS)),
  steps: (o, v, f) => (o.steps = int(v, f, 1)),
  warmup: (o, v, f) => (o.warmup = int(v, f, 0)),
  batch: (o, v, f) => (o.batch = int(v, f, 1)),
  'sample-batches': (o, v, f) =>
    (o.sampleBatches = v === 'none' ? [] : v.split(',').map((b) => int(b.trim(), f, 1, 64))),
  'sample-steps': (o, v, f) => (o.sampleSteps = int(v, f, 1)),
  cap: (o, v, f) => (o.capSeconds = seconds(v, f)),
  'first-cap': (o, v, f) => (o.firstCapSeconds = seconds(v, f)),
  'case-budget': (o, v, f) => (o.caseBudgetSeconds = seconds(v, f)),
  budget: (o, v, f) => (o.budgetSeconds = seconds(v, f)),
  machine: (o, v, f) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v))
      throw new BenchOptionsError(`${f} "${v}": allowed letters, digits, ".", "_" and "-" (at most 64)`);
    o.machine = v;
  },
  results: (o, v) => (o.resultsDir = v),
  json: (o, v) => (o.json = v),
  'torch-device': (o, v, f) => {
    if (v !== 'auto' && v !== 'cpu' && v !== 'cuda')
      throw new BenchOptionsError(`${f} "${v}": allowed auto, cpu, cuda`);
    o.torchDevice = v;
  },
  python: (o, v) => (o.python = v),
  dawn: (o, v) => (o.dawn = v),
  bundles: (o, v) => (o.bundles = v),
  'micro-batch': (o, v, f) => (o.microBatch = int(v, f, 1)),
  'gpu-features': (o, v, f) => {
    const { error } = parseGpuFeatures(v);
    if (error) throw new BenchOptionsError(`${f} "${v}": ${error}`);
    o.gpuFeatures = v;
  },
  fused: (o, v, f) => {
    if (v !== 'on' && v !== 'off' && v !== 'both')
      throw new BenchOptionsError(`${f} "${v}": allowed on, off, both`);
    o.fused = v;
  },
};

const SWITCHES: Record<string, (o: BenchOptions) => void> = {
  'no-write': (o) => (o.write = false),
  profile: (o) => (o.profile = true),
  'gemm-census': (o) => (o.gemmCensus = true),
  help: (o) => (o.help = true),
};

/** Parses `--name value`, `--name=value` and switches; throws BenchOptionsError naming the offender. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = structuredClone({ ...DEFAULT_OPTIONS }) as BenchOptions;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--'))
      throw new BenchOptionsError(`unexpected argument "${arg}"; options start with --`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = `--${name}`;
    if (name in SWITCHES) {
      if (eq >= 0) throw new BenchOptionsError(`${flag} takes no value`);
      SWITCHES[name](o);
      continue;
    }
    const setter = SETTERS[name];
    if (!setter)
      throw new BenchOptionsError(
        `unknown option ${flag}; options: ${[...Object.keys(SETTERS), ...Object.keys(SWITCHES)].map((k) => `--${k}`).join(', ')}`,
      );
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new BenchOptionsError(`${flag} needs a value`);
    setter(o, value, flag);
  }
  return o;
}

function list<T extends string>(value: string, flag: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim());
  for (const item of items)
    if (!(allowed as readonly string[]).includes(item))
      throw new BenchOptionsError(`${flag}: "${item}" is not one of ${allowed.join(', ')}`);
  return [...new Set(items)] as T[];
}

function int(value: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new BenchOptionsError(
      `${flag} "${value}": allowed an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}`,
    );
  return n;
}

function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new BenchOptionsError(`${flag} "${value}": allowed a positive number of seconds`);
  return n;
}
