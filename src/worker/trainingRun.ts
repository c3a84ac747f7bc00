/**
 * What the training controller's modules share: the state of the current run, the error that
 * carries a protocol error code, and the checks a start or resume makes before anything is built.
 */
import { CheckpointError, checkResumable, decodeCheckpoint } from '../training/checkpoint';
import { RunConfigError } from '../config/validate';
import type { RunConfig } from '../config/runConfig';
import type { CheckpointStore } from '../training/checkpointStore';
import type { RunMetrics } from '../training/runMetrics';
import type { Trainer } from '../training/trainer';
import type { LoadedDataset } from './datasetCommands';
import type { ErrorCode, TrainStatus } from './protocol';

/** A failure with the error code the UI should see. */
export class TrainingCommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The error code of anything a training command throws. */
export function trainingErrorCode(e: unknown): ErrorCode {
  if (e instanceof TrainingCommandError) return e.code;
  if (e instanceof RunConfigError) return 'bad-config';
  if (e instanceof CheckpointError) return 'checkpoint';
  return 'internal';
}

/** The current run. */
export interface Run {
  runId: string;
  config: RunConfig;
  trainer: Trainer;
  metrics: RunMetrics;
  targetStep: number;
  status: TrainStatus;
  /** The last checkpoint's bytes: what the guards restore. */
  lastGood: Uint8Array;
  lastSaveMs: number;
  lastLogMs: number;
  /** When the last preview grid was posted (or the run started): previews also come on a time cadence. */
  lastPreviewMs: number;
  /** What the loop should do after its current step. */
  request: 'pause' | 'stop' | null;
  /**
   * Work that must see the run between two steps (a preview or an export reads the variables over
   * several awaits, while a step would change them): the loop runs these before its next step or as it exits.
   */
  atBoundary: (() => Promise<void>)[];
  loop: Promise<void> | null;
}

/** The loaded dataset a run config may train on; throws naming what is missing or different. */
export function datasetFor(loaded: LoadedDataset | null, config: RunConfig): LoadedDataset {
  if (!loaded)
    throw new TrainingCommandError('dataset', 'train: no dataset is loaded; send loadDataset first');
  if (loaded.id !== config.data.dataset)
    throw new TrainingCommandError(
      'dataset',
      `train: the config asks for dataset "${config.data.dataset}" but "${loaded.id}" is loaded; load it first or change data.dataset`,
    );
  return loaded;
}

/**
 * A checkpoint to resume from, decoded, after checking it was saved with this very config and
 * holds everything a trainer of it restores, at a place inside the `images` of the dataset: all
 * before the trainer is built.
 */
export function resumableCheckpoint(id: string, bytes: Uint8Array, config: RunConfig, images: number) {
  const checkpoint = decodeCheckpoint(bytes);
  const differs = firstDifference(checkpoint.meta.config, config);
  if (differs !== null)
    throw new TrainingCommandError(
      'checkpoint',
      `train: checkpoint ${id} was saved with a different config (${differs}); resume with the checkpoint's config`,
    );
  checkResumable(checkpoint, config, images);
  return checkpoint;
}

/** The first path where two configs differ, with both values, or null. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        path ? `${path}.${key}` : key,
      );
      if (d !== null) return d;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b)
    ? null
    : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/** What the controller needs from its surroundings (the worker passes the real ones, tests fakes). */
export interface TrainingDeps {
  store: CheckpointStore;
  /** The tfjs backend in use. */
  backend(): string;
  /** A monotonic clock in ms (performance.now). */
  now(): number;
  /** Wall-clock ms for checkpoint dates (Date.now). */
  date(): number;
  /** Lets queued messages run (a macrotask); the loop awaits it after every step. */
  yieldToEvents(): Promise<void>;
  /**
   * Called when a step throws: if the error means the GPU device was lost, switch to the fallback
   * backend and return its name; otherwise return null (the error is reported as is).
   */
  recoverFromDeviceLoss(error: unknown): Promise<string | null>;
  tf: { memory(): { numTensors: number; numBytes: number } };
}
