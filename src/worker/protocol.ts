/**
 * The typed message protocol between the UI (main thread) and the lab worker.
 *
 * Commands are verbs the UI sends; events are nouns the worker sends back. Both are discriminated
 * unions on `type`, so a `switch` with `assertNever` catches a forgotten case at compile time.
 * The protocol version is checked once, in the `init` → `ready` handshake: a UI and a worker from
 * different builds (a stale cached worker) fail loudly instead of misreading each other.
 * Two ids, one meaning each: a **request** (a command answered by one result event or one `error`,
 * with progress events between) carries the page's `requestId`, and every event about it carries
 * the same id (the page's `LabClient.request` resolves, rejects and reports progress by it). The
 * training **run** is not a request: its commands (`train`, `pause`, …) and its streamed events
 * (`trainState`, `trainProgress`, …) carry the run's `runId`.
 */

import { parseGpuFeatures, type GpuFeatureSwitches } from '../model/webgpu/features';

export type { GpuFeatureSwitches };
import type { SchedulerConfig, SchedulerKind } from '../diffusion';
import type { ImageShape } from '../sampling/frames';
import type { FrameFormat, SampleLoop, SampleOptions } from '../sampling/options';
import type { TrainingCommand, TrainingEvent } from './trainingProtocol';
import type { SampleScore, ScoreOptions } from '../quality/scoreTypes';

export type * from './trainingProtocol';

/**
 * 2: the training commands and events of trainingProtocol.ts. 3: sample's weights choice,
 * ModelSummary.weights. 4: exportRun's format (the PyTorch project). 5: requests carry
 * `requestId`, the training run `runId`.
 */
export const PROTOCOL_VERSION = 5;

/** Compute backends the lab can run on, in order of preference. */
export const BACKENDS = ['webgpu', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

/** What the worker found when it chose a backend. */
export interface BackendInfo {
  /** The backend tfjs really uses (`tf.getBackend()` after `tf.ready()`). */
  name: BackendName;
  requested: BackendRequest;
  /** WebGPU adapter facts, when the backend is WebGPU. */
  adapter?: AdapterInfo;
  /** Why a preferred backend was not used, one line per backend tried and rejected. */
  fallbackReasons: string[];
  /**
   * WebGPU with `?gpu-features=`: the optional shader features the device runs with
   * (`model/webgpu/features.ts`), and one line per switched-on feature the adapter lacks.
   */
  gpuFeatures?: { granted: string[]; missing: string[] };
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
}

export type Command =
  /** `gpuFeatures`: optional WebGPU shader features to switch on (`?gpu-features=`); none when left out. */
  | { type: 'init'; protocolVersion: number; backend: BackendRequest; gpuFeatures?: GpuFeatureSwitches }
  | { type: 'gpuCheck'; requestId: string; size: number; iterations: number }
  /**
   * Samples from the current model (see `sampleProgress`, `sampleFrames`, `sampleDone`) with the
   * weights chosen (default: the EMA where the model has one; see `ModelSummary.weights`).
   */
  | { type: 'sample'; requestId: string; options: SampleOptions; weights?: WeightChoice }
  /**
   * Stops a sample or score request at its next step; it ends with `error {code: 'cancelled'}`.
   * Unknown requests are ignored (it may have finished).
   */
  | { type: 'cancel'; requestId: string }
  /** Loads a model from user files (what `src/io` reads); answered by `modelLoaded`. */
  | { type: 'importModel'; requestId: string; files: ModelFile[] }
  /** Zips the current model as a diffusers pipeline; answered by `exportReady`. */
  | { type: 'exportPipeline'; requestId: string }
  /**
   * Scores N samples of the current model against N held-out images of the loaded dataset
   * (see `scoreProgress`, `scoreDone`); `cancel` stops it. The first score of a dataset trains
   * the score's classifier, later ones load it from IndexedDB.
   */
  | { type: 'score'; requestId: string; options: ScoreOptions }
  | TrainingCommand;

/** A trained run's two sets of weights: the exponential moving average (as the paper samples) or the raw ones. */
export type WeightChoice = 'ema' | 'raw';

/** One user file; `name` is its path inside the dropped folder (or just the file name). */
export interface ModelFile {
  name: string;
  bytes: ArrayBuffer;
}

/** One recorded sampling step; each buffer holds [numImages, height, width, channels] values in `format`. */
export interface FrameMessage {
  step: number;
  t: number;
  prevT: number;
  alphaBar: number;
  sigma: number;
  xt: ArrayBuffer;
  x0: ArrayBuffer;
  eps: ArrayBuffer;
}

/** What the UI shows about the current model. */
export interface ModelSummary {
  origin: 'trained' | 'imported';
  /** The files it came from, or the training run's id. */
  source: string[];
  /** diffusers UNet2DModel config.json keys that describe the architecture. */
  config: {
    sample_size: number | [number, number] | null;
    in_channels: number;
    out_channels: number;
    block_out_channels: number[];
    layers_per_block: number;
    down_block_types: string[];
    up_block_types: string[];
  };
  parameterCount: number;
  /** False for a model with a lab-only key (it cannot be exported to diffusers). */
  diffusersCompatible: boolean;
  /** The scheduler the bundle carried, or null (sampling then uses the paper's schedule). */
  scheduler: { kind: SchedulerKind; config: SchedulerConfig } | null;
  /**
   * The weights `sample` may choose: ['ema', 'raw'] for a trained run with EMA, ['raw'] for one
   * without, [] for an imported pipeline: it has one set of weights, sampled as is.
   */
  weights: WeightChoice[];
  /** Everything worth a second look: no scheduler file, renamed legacy keys, non-finite weights. */
  warnings: string[];
}

export type WorkerEvent =
  | { type: 'ready'; protocolVersion: number; backend: BackendInfo }
  | {
      type: 'gpuCheckResult';
      requestId: string;
      size: number;
      iterations: number;
      ms: number;
      gflops: number;
    }
  | { type: 'sampleProgress'; requestId: string; done: number; total: number }
  /** Recorded frames in order, a chunk at a time; every `frameStride`-th step is recorded. */
  | {
      type: 'sampleFrames';
      requestId: string;
      shape: ImageShape;
      format: FrameFormat;
      frameStride: number;
      frames: FrameMessage[];
    }
  /** The final images as uint8 NHWC ([-1, 1] → 0..255), sent after the last `sampleFrames`. */
  | {
      type: 'sampleDone';
      requestId: string;
      images: ArrayBuffer;
      shape: ImageShape;
      timesteps: number[];
      frameStride: number;
      frameCount: number;
      timing: { totalMs: number; msPerStep: number; loop: SampleLoop };
    }
  /** The current model changed: answering `importModel` (with its `requestId`), or a training run's weights (without). */
  | { type: 'modelLoaded'; requestId?: string; model: ModelSummary }
  | { type: 'exportReady'; requestId: string; fileName: string; bytes: ArrayBuffer }
  /** `classifier`: training the score's classifier (cache miss only); `sampling`: steps over all sampling runs. */
  | { type: 'scoreProgress'; requestId: string; phase: 'classifier' | 'sampling'; done: number; total: number }
  /** The numbers, with `label` to show beside the FCD ("not comparable to Inception FID"). */
  | {
      type: 'scoreDone';
      requestId: string;
      score: SampleScore;
      label: string;
      classifierCached: boolean;
      warnings: string[];
      totalMs: number;
    }
  /** A request failed (`requestId`), the training run reports a problem (`runId`), or neither: the worker's own. */
  | { type: 'error'; requestId?: string; runId?: string; code: ErrorCode; message: string }
  | TrainingEvent;

/** A command answered by one result event (or one `error`): what the page sends with `LabClient.request`. */
export type RequestCommand = Extract<Command, { requestId: string }>;

/** The event that ends each request; every other event with its `requestId` is progress. */
export const RESULT_OF = {
  gpuCheck: 'gpuCheckResult',
  sample: 'sampleDone',
  score: 'scoreDone',
  importModel: 'modelLoaded',
  exportPipeline: 'exportReady',
  loadDataset: 'datasetLoaded',
  previewDataset: 'datasetPreview',
  exportRun: 'runExported',
  importRun: 'runImported',
} as const satisfies Record<Exclude<RequestCommand['type'], 'cancel'>, WorkerEvent['type']>;

/** The ids a command carries, for the `error` that answers it when it fails. */
export function commandIds(cmd: Command): { requestId?: string; runId?: string } {
  return {
    ...('requestId' in cmd && { requestId: cmd.requestId }),
    ...('runId' in cmd && { runId: cmd.runId }),
  };
}

/** How the worker side sends an event: the message, and the buffers it transfers instead of copying. */
export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/**
 * `bad-config`: a run config failed validation (the message lists each field). `dataset`: no
 * dataset loaded, or not the one the config asks for, or unreadable files. `no-run`: a training
 * control for a run that is not the current one. `checkpoint`: a checkpoint is missing or
 * unreadable, or an imported run zip is not one (the message names the entry and the problem).
 * `cancelled`: a run stopped on request. `busy`: another sampling (or score) run is active, or a
 * run import while a run is training or paused.
 * `no-model`: sample, score or export before any model was trained or imported. `bad-model`: an
 * import failed (the previous model stays loaded). `export-refused`: the model cannot be written
 * as a diffusers pipeline. `no-dataset`: a score before any dataset was loaded. `storage-full`:
 * an autosave did not fit in the browser's storage quota (training goes on; export the run), or
 * an imported run's checkpoint did not.
 */
export type ErrorCode =
  | 'protocol-version'
  | 'not-initialised'
  | 'bad-command'
  | 'backend'
  | 'internal'
  | 'cancelled'
  | 'busy'
  | 'no-model'
  | 'bad-model'
  | 'export-refused'
  | 'bad-config'
  | 'dataset'
  | 'no-run'
  | 'checkpoint'
  | 'no-dataset'
  | 'storage-full';

/** Compile-time exhaustiveness check for `switch` statements over the unions above. */
export function assertNever(x: never): never {
  throw new Error(`unhandled message: ${JSON.stringify(x)}`);
}

/** Parses a `?gpu-features=` value (`subgroups,shader-f16`); an unknown name is reported and all stay off. */
export function parseGpuFeaturesRequest(value: string | null): {
  gpuFeatures: GpuFeatureSwitches;
  error?: string;
} {
  const { switches, error } = parseGpuFeatures(value);
  return { gpuFeatures: switches, ...(error ? { error: `${error} (?gpu-features= in the URL)` } : {}) };
}

/** Parses a `?backend=` value; anything else is reported, not guessed. */
export function parseBackendRequest(value: string | null): { backend: BackendRequest; error?: string } {
  if (value === null || value === '' || value === 'auto') return { backend: 'auto' };
  if ((BACKENDS as readonly string[]).includes(value)) return { backend: value as BackendName };
  return {
    backend: 'auto',
    error: `Unknown backend "${value}" in the URL: use one of ${BACKENDS.join(', ')} or auto.`,
  };
}
