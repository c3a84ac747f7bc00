/**
 * Training metrics as the charts need them. The worker sends up to ~20 metric events a second,
 * each with every step since the last; every step goes into bounded series at once, but React sees
 * them at most every {@link CHART_INTERVAL_MS}, so charts redraw a few times a second however fast
 * training runs.
 */
import { create } from 'zustand';
import type { MetricPoint, TrainMetrics } from '../worker/protocol';
import { DecimatedSeries, createThrottle, minMaxDownsample } from '../training/metricSeries';

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

/**
 * Points a chart draws per series: 300 on a 560 px wide chart is about one per two pixels. The
 * buffers keep twice as many at an even stride; each publish picks the drawn ones min/max-wise.
 */
export const MAX_CHART_POINTS = 300;
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
  const loss = new DecimatedSeries<LossPoint>(2 * MAX_CHART_POINTS);
  const lrGrad = new DecimatedSeries<LrGradPoint>(2 * MAX_CHART_POINTS);
  let pending: TrainMetrics | undefined;
  let dirty = false;
  const publish = () => {
    if (!dirty) return;
    dirty = false;
    const m = pending;
    pending = undefined;
    const series = {
      loss: minMaxDownsample(loss.points(), MAX_CHART_POINTS, (p) => p.loss),
      lrGrad: minMaxDownsample(lrGrad.points(), MAX_CHART_POINTS, (p) => p.gradNorm),
    };
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
