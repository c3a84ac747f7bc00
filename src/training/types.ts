/**
 * What a training run reports, as plain data (no tfjs): the worker protocol sends these and the
 * CLI writes them to metrics.jsonl, so the page can import them.
 */
import type { RunConfig } from '../config/runConfig';

/** Mean ε-MSE per timestep bucket: bucket i covers t in [i·T/20, (i+1)·T/20), a rolling window per bucket. */
export interface LossPerT {
  /** T, so the UI can label the buckets' t ranges. */
  numTrainTimesteps: number;
  /** Mean loss per bucket, null while a bucket has seen no example. */
  mean: (number | null)[];
  /** Examples currently in each bucket's window. */
  count: number[];
}

/** One optimiser step as a chart point. */
export interface MetricPoint {
  step: number;
  loss: number;
  smoothedLoss: number;
  gradNorm: number;
  lr: number;
  /**
   * The EMA decay this step used; null with EMA off. Missing in the history of checkpoints saved
   * before it was recorded.
   */
  emaDecay?: number | null;
}

/** The metrics of a trainProgress event (at most ~20 a second). */
export interface TrainMetrics {
  /** Optimiser steps done. */
  step: number;
  targetStep: number;
  /** Epochs done, fractional (step × batch / images). */
  epoch: number;
  /** Loss of the last step (mean over its batch). */
  loss: number;
  /** Exponential moving average of the loss (bias-corrected, like Adam's moments). */
  smoothedLoss: number;
  lossPerT: LossPerT;
  /** Global L2 norm of the gradient before clipping. */
  gradNorm: number;
  lr: number;
  /** EMA decay the last step used (`training.emaWarmup` decides which); null when EMA is off. */
  emaDecay: number | null;
  stepsPerSec: number;
  imagesPerSec: number;
  /** Seconds to targetStep at the current rate; null before a rate is known. */
  etaSec: number | null;
  /** Wall-clock seconds spent training in this run (paused time excluded). */
  elapsedSec: number;
  /** tf.memory() after the last step. */
  memory: { numTensors: number; numBytes: number };
  backend: string;
  /** Every step since the previous trainProgress (so charts miss none), oldest first. */
  points: MetricPoint[];
}

/** A saved checkpoint, as listed. */
export interface CheckpointInfo {
  id: string;
  runId: string;
  step: number;
  /** Date.now() at save time. */
  savedAt: number;
  bytes: number;
  backend: string;
  config: RunConfig;
}
