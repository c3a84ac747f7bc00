/**
 * The training half of the worker protocol: datasets, the training run's controls, its metrics,
 * preview grids and checkpoints. Types only; `protocol.ts` joins them into the Command and
 * WorkerEvent unions. Pixel arrays travel as transferred buffers, never copied.
 */
import type { BuiltinId } from '../data/builtins';
import type { DatasetSummary } from '../data/summary';
import type { DatasetId, RunConfig } from '../config/runConfig';
import type { ImageBatch } from '../io/image';
import type { CheckpointInfo, MetricPoint, TrainMetrics } from '../training/types';

export type { ImageBatch };
export type { CheckpointInfo, LossPerT, MetricPoint, TrainMetrics } from '../training/types';

/** Where a dataset comes from. Built-ins are fetched from `baseUrl` (the page's `document.baseURI`). */
export type DatasetSource =
  | { kind: 'builtin'; id: BuiltinId; baseUrl: string }
  | { kind: 'files'; files: { name: string; bytes: ArrayBuffer }[] };

/** What the worker holds after a load: `id` is 'cifar10' when dropped files are CIFAR-10, else 'files'. */
export interface DatasetInfo {
  id: DatasetId;
  name: string;
  summary: DatasetSummary;
  classNames: string[];
  allowsFlip: boolean;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** The life of a training run. `paused` and `stopped` keep the weights (sampling and export use them). */
export type TrainStatus = 'idle' | 'starting' | 'running' | 'paused' | 'stopped';

/**
 * Why the status last changed. The guards pause the run and explain: `non-finite` (NaN/Inf loss
 * or gradient; the last good state was restored), `device-lost` (the GPU went away; the run
 * resumes from its last checkpoint on the fallback backend), `dataset-too-small` (fewer images
 * than the batch size; the run does not start).
 */
export type TrainReasonCode =
  | 'started'
  | 'resumed'
  | 'user'
  | 'target-reached'
  | 'non-finite'
  | 'device-lost'
  | 'dataset-too-small'
  | 'error';

export interface TrainReason {
  code: TrainReasonCode;
  /** What happened, in words for the user. */
  message: string;
  /** What to try, for the guards. */
  advice?: string;
}

/** What Export run writes: the lab's own run zip, or a PyTorch project zip. */
export type RunExportFormat = 'run' | 'pytorch';

export type TrainingCommand =
  | { type: 'loadDataset'; requestId: string; source: DatasetSource }
  /** Another random sample of the loaded dataset for the grid ("reshuffle"). */
  | { type: 'previewDataset'; requestId: string; seed: number; count: number }
  /**
   * Starts a run on the loaded dataset, or with `resume` (a checkpoint id) continues one exactly
   * where it was saved; pass the checkpoint's runId and config.
   */
  | { type: 'train'; runId: string; config: RunConfig; resume?: string }
  | { type: 'pause'; runId: string }
  | { type: 'resume'; runId: string }
  /** Ends the run after saving a checkpoint; the weights stay for sampling and export. */
  | { type: 'stop'; runId: string }
  /** Frees the run (weights, optimiser, metrics); checkpoints stay. */
  | { type: 'reset'; runId: string }
  | { type: 'setTargetStep'; runId: string; targetStep: number }
  /** A preview grid now, from the current weights, without touching the training state. */
  | { type: 'previewNow'; runId: string }
  | { type: 'listCheckpoints' }
  | { type: 'deleteCheckpoint'; checkpointId: string }
  /**
   * `format: 'run'` (the default): a zip of run.json, scheduler_config.json, metrics.csv and the
   * checkpoint (weights, EMA, optimiser moments). `'pytorch'`: the run as a diffusers + accelerate
   * project (train.py, README, configs, the state in PyTorch layout, the images; src/pytorch/).
   */
  | { type: 'exportRun'; requestId: string; runId: string; format?: RunExportFormat }
  /**
   * Stores the checkpoint of an Export run zip (transferred) as its run's latest, so it resumes like
   * an autosaved one; refused while a run is training or paused. Answers runImported, then checkpoints.
   */
  | { type: 'importRun'; requestId: string; bytes: ArrayBuffer };

export type TrainingEvent =
  | { type: 'datasetProgress'; requestId: string; bytesDone: number; bytesTotal: number }
  | { type: 'datasetLoaded'; requestId: string; dataset: DatasetInfo; preview: ImageBatch; warnings: string[] }
  | { type: 'datasetPreview'; requestId: string; seed: number; preview: ImageBatch }
  | {
      type: 'trainState';
      runId: string;
      status: TrainStatus;
      reason: TrainReason | null;
      step: number;
      targetStep: number;
      backend: string;
    }
  | { type: 'trainProgress'; runId: string; metrics: TrainMetrics }
  /** The loss history of a resumed run, so charts continue where they were. */
  | { type: 'trainHistory'; runId: string; points: MetricPoint[] }
  | { type: 'trainPreview'; runId: string; step: number; usedEma: boolean; grid: ImageBatch }
  | { type: 'checkpointSaved'; runId: string; checkpoint: CheckpointInfo }
  | { type: 'checkpoints'; checkpoints: CheckpointInfo[] }
  | { type: 'runExported'; requestId: string; fileName: string; bytes: ArrayBuffer }
  /** The checkpoint carries the imported run's own `runId` and step. */
  | { type: 'runImported'; requestId: string; checkpoint: CheckpointInfo };
