/**
 * Training metrics as the charts need them. The worker sends up to ~20 metric events a second,
 * each with every step since the last; every step goes into bounded series at once, but React sees
 * them at most every {@link CHART_INTERVAL_MS}, so charts redraw a few times a second however fast
 * training runs.
 */
import { create } from 'zustand';
import type { MetricPoint, TrainMetrics } from '../worker/protocol';
import { DecimatedSeries, createThrottle } from './series';

export interface LossPoint {
  step: number;
  loss: number;
  smoothed: number;
}

export interface LrGradPoint {
  step: number;
  lr: number;
  gradNorm: number;
}

export interface LossPerTCurve {
  step: number;
  buckets: readonly (number | null)[];
}

/** Chart points kept per series; 600 points cover a 560 px wide chart. */
export const MAX_CHART_POINTS = 600;
/** The slowest the charts may lag the worker. */
export const CHART_INTERVAL_MS = 250;

interface MetricsState {
  latest: TrainMetrics | undefined;
  loss: LossPoint[];
  lrGrad: LrGradPoint[];
  lossPerT: LossPerTCurve | undefined;
  /** An earlier loss-per-t curve to compare against: the first complete one, or one the learner kept. */
  snapshot: LossPerTCurve | undefined;
  logScale: boolean;
  push(m: TrainMetrics): void;
  /** Publishes buffered points now (tests, and the end of a run). */
  flush(): void;
  takeSnapshot(): void;
  setLogScale(on: boolean): void;
  /** Restores the chart history of a resumed run. */
  restore(history: readonly MetricPoint[]): void;
  clear(): void;
}

export const useMetrics = create<MetricsState>((set, get) => {
  const loss = new DecimatedSeries<LossPoint>(MAX_CHART_POINTS);
  const lrGrad = new DecimatedSeries<LrGradPoint>(MAX_CHART_POINTS);
  let pending: TrainMetrics | undefined;
  let dirty = false;
  const publish = () => {
    if (!dirty) return;
    dirty = false;
    const m = pending;
    pending = undefined;
    const series = { loss: loss.points(), lrGrad: lrGrad.points() };
    if (!m) return set(series);
    const curve = { step: m.step, buckets: m.lossPerT.mean };
    const complete = curve.buckets.length > 0 && curve.buckets.every((v) => v !== null && Number.isFinite(v));
    set({
      ...series,
      latest: m,
      lossPerT: curve,
      snapshot: get().snapshot ?? (complete ? curve : undefined),
    });
  };
  const throttle = createThrottle(CHART_INTERVAL_MS, publish);
  const record = (p: MetricPoint) => {
    loss.push({ step: p.step, loss: p.loss, smoothed: p.smoothedLoss });
    lrGrad.push({ step: p.step, lr: p.lr, gradNorm: p.gradNorm });
    dirty = true;
  };
  return {
    latest: undefined,
    loss: [],
    lrGrad: [],
    lossPerT: undefined,
    snapshot: undefined,
    logScale: true,
    push(m) {
      // Every step since the last report is in `points`, so the charts miss none.
      m.points.forEach(record);
      pending = m;
      dirty = true;
      throttle.request();
    },
    flush() {
      throttle.flush();
    },
    takeSnapshot() {
      const curve = get().lossPerT;
      if (curve) set({ snapshot: curve });
    },
    setLogScale(on) {
      set({ logScale: on });
    },
    restore(history) {
      get().clear();
      history.forEach(record);
      publish();
    },
    clear() {
      loss.clear();
      lrGrad.clear();
      pending = undefined;
      dirty = false;
      set({ latest: undefined, loss: [], lrGrad: [], lossPerT: undefined, snapshot: undefined });
    },
  };
});
