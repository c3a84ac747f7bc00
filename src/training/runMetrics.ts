/**
 * The metrics of one run, fed one step report at a time: smoothed loss, loss per timestep,
 * throughput, ETA, the chart history, and what a trainProgress event carries. Saved in
 * checkpoints so a resumed run's charts continue.
 */
import { LossPerTBuckets, type LossPerTState } from './lossPerT';
import { Smoother, Throughput, etaSeconds } from './metrics';
import type { StepReport } from './trainer';
import type { MetricPoint, TrainMetrics } from './types';

/** Chart points a run keeps; beyond it every other point is dropped (older history gets coarser). */
export const MAX_HISTORY = 10_000;

/** What a checkpoint keeps of the metrics. */
export interface MetricsState {
  smoother: { value: number; n: number };
  lossPerT: LossPerTState;
  history: MetricPoint[];
  elapsedSec: number;
}

/** Facts a progress event needs that the metrics do not own. */
export interface ProgressContext {
  targetStep: number;
  epoch: number;
  batchSize: number;
  memory: { numTensors: number; numBytes: number };
  backend: string;
}

export class RunMetrics {
  private readonly smoother = new Smoother();
  private readonly throughput = new Throughput();
  private readonly lossPerT: LossPerTBuckets;
  private history: MetricPoint[] = [];
  /** Points not yet sent in a progress event. */
  private unsent: MetricPoint[] = [];
  private last: { report: StepReport; smoothed: number } | null = null;
  private elapsedMs = 0;
  private lastTick: number | null = null;

  constructor(numTrainTimesteps: number) {
    this.lossPerT = new LossPerTBuckets(numTrainTimesteps);
  }

  /** Records a finished step at `nowMs` (a monotonic clock) and returns its chart point. */
  record(report: StepReport, nowMs: number): MetricPoint {
    const smoothedLoss = this.smoother.add(report.loss);
    this.lossPerT.add(report.t, report.perExampleLoss);
    this.throughput.tick(nowMs);
    if (this.lastTick !== null) this.elapsedMs += nowMs - this.lastTick;
    this.lastTick = nowMs;
    this.last = { report, smoothed: smoothedLoss };
    const point: MetricPoint = {
      step: report.step,
      loss: report.loss,
      smoothedLoss,
      gradNorm: report.gradNorm,
      lr: report.lr,
      emaDecay: report.emaDecay,
    };
    this.history.push(point);
    if (this.history.length > MAX_HISTORY)
      this.history = this.history.filter((_, i, all) => (all.length - 1 - i) % 2 === 0);
    this.unsent.push(point);
    return point;
  }

  /** Call when training pauses: the idle time until the next step is not training time. */
  pause(): void {
    this.throughput.reset();
    this.lastTick = null;
  }

  /** The progress event payload, or null before the first step; takes the unsent points. */
  progress(ctx: ProgressContext): TrainMetrics | null {
    if (!this.last) return null;
    const { report, smoothed } = this.last;
    const stepsPerSec = this.throughput.stepsPerSec();
    const points = this.unsent;
    this.unsent = [];
    return {
      step: report.step,
      targetStep: ctx.targetStep,
      epoch: ctx.epoch,
      loss: report.loss,
      smoothedLoss: smoothed,
      lossPerT: this.lossPerT.snapshot(),
      gradNorm: report.gradNorm,
      lr: report.lr,
      emaDecay: report.emaDecay,
      stepsPerSec,
      imagesPerSec: stepsPerSec * ctx.batchSize,
      etaSec: etaSeconds(report.step, ctx.targetStep, stepsPerSec),
      elapsedSec: this.elapsedMs / 1000,
      memory: ctx.memory,
      backend: ctx.backend,
      points,
    };
  }

  /** All chart points so far (thinned past MAX_HISTORY). */
  points(): MetricPoint[] {
    return [...this.history];
  }

  state(): MetricsState {
    return {
      smoother: this.smoother.state(),
      lossPerT: this.lossPerT.state(),
      history: [...this.history],
      elapsedSec: this.elapsedMs / 1000,
    };
  }

  load(state: MetricsState): void {
    this.smoother.load(state.smoother);
    this.lossPerT.load(state.lossPerT);
    this.history = [...state.history];
    this.unsent = [];
    this.elapsedMs = state.elapsedSec * 1000;
  }
}
