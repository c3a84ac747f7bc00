/**
 * Training metrics as the charts need them. The worker sends up to ~20 metric events a second;
 * every one goes into bounded series at once, but React sees them at most every
 * {@link CHART_INTERVAL_MS}, so charts redraw a few times a second however fast training runs.
 */
import { create } from 'zustand';
import { DecimatedSeries, createThrottle } from './series';

/** One metrics report, in the units the charts show. */
export interface MetricsInput {
  step: number;
  targetSteps: number;
  epoch: number;
  loss: number;
  smoothedLoss: number;
  /** Mean loss per t-bucket over [0, T); null where a bucket has no data yet. */
  lossPerT: readonly (number | null)[];
  gradNorm: number;
  lr: number;
  stepsPerSec: number;
  imagesPerSec: number;
  etaSec: number | null;
  numTensors?: number;
  numBytes?: number;
}

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
  latest: MetricsInput | undefined;
  loss: LossPoint[];
  lrGrad: LrGradPoint[];
  lossPerT: LossPerTCurve | undefined;
  /** An earlier loss-per-t curve to compare against: the first complete one, or one the learner kept. */
  snapshot: LossPerTCurve | undefined;
  logScale: boolean;
  push(m: MetricsInput): void;
  /** Publishes buffered points now (tests, and the end of a run). */
  flush(): void;
  takeSnapshot(): void;
  setLogScale(on: boolean): void;
  /** Restores the chart history of a resumed run. */
  restore(history: readonly MetricsInput[]): void;
  clear(): void;
}

export const useMetrics = create<MetricsState>((set, get) => {
  const loss = new DecimatedSeries<LossPoint>(MAX_CHART_POINTS);
  const lrGrad = new DecimatedSeries<LrGradPoint>(MAX_CHART_POINTS);
  let pending: MetricsInput | undefined;
  const publish = () => {
    const m = pending;
    pending = undefined;
    if (!m) return;
    const curve = { step: m.step, buckets: m.lossPerT };
    const complete = m.lossPerT.length > 0 && m.lossPerT.every((v) => v !== null && Number.isFinite(v));
    set({
      latest: m,
      loss: loss.points(),
      lrGrad: lrGrad.points(),
      lossPerT: curve,
      snapshot: get().snapshot ?? (complete ? curve : undefined),
    });
  };
  const throttle = createThrottle(CHART_INTERVAL_MS, publish);
  const record = (m: MetricsInput) => {
    loss.push({ step: m.step, loss: m.loss, smoothed: m.smoothedLoss });
    lrGrad.push({ step: m.step, lr: m.lr, gradNorm: m.gradNorm });
    pending = m;
  };
  return {
    latest: undefined,
    loss: [],
    lrGrad: [],
    lossPerT: undefined,
    snapshot: undefined,
    logScale: true,
    push(m) {
      record(m);
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
      set({ latest: undefined, loss: [], lrGrad: [], lossPerT: undefined, snapshot: undefined });
    },
  };
});
