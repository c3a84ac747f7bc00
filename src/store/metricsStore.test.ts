import type { MetricPoint, TrainMetrics } from '../worker/protocol';
import { CHART_INTERVAL_MS, MAX_CHART_POINTS, useMetrics } from './metricsStore';

const point = (step: number): MetricPoint => ({
  step,
  loss: 1 / (step + 1),
  smoothedLoss: 1 / (step + 2),
  gradNorm: 2,
  lr: 1e-4,
});

const metrics = (steps: number[], mean: (number | null)[] = [0.5, null]): TrainMetrics => ({
  step: steps[steps.length - 1],
  targetStep: 100,
  epoch: 0.1,
  loss: 0.5,
  smoothedLoss: 0.4,
  lossPerT: { numTrainTimesteps: 1000, mean, count: mean.map((m) => (m === null ? 0 : 1)) },
  gradNorm: 2,
  lr: 1e-4,
  emaDecay: 0.99,
  stepsPerSec: 3,
  imagesPerSec: 48,
  etaSec: 30,
  elapsedSec: 1,
  memory: { numTensors: 100, numBytes: 1e6 },
  backend: 'webgpu',
  stepPath: 'compiled',
  points: steps.map(point),
});

beforeEach(() => {
  vi.useFakeTimers();
  useMetrics.getState().clear();
});
afterEach(() => vi.useRealTimers());

describe('useMetrics', () => {
  it('publishes the first report at once and batches the rest for the chart interval', () => {
    const m = useMetrics.getState();
    vi.advanceTimersByTime(CHART_INTERVAL_MS);
    m.push(metrics([1]));
    expect(useMetrics.getState().loss).toHaveLength(1);
    m.push(metrics([2, 3]));
    m.push(metrics([4]));
    expect(useMetrics.getState().loss).toHaveLength(1);
    vi.advanceTimersByTime(CHART_INTERVAL_MS);
    const s = useMetrics.getState();
    expect(s.loss.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(s.latest?.step).toBe(4);
    expect(s.lrGrad[2]).toEqual({ step: 3, lr: 1e-4, gradNorm: 2 });
  });

  it('keeps the chart series bounded over a long run', () => {
    const m = useMetrics.getState();
    for (let i = 0; i < 10 * MAX_CHART_POINTS; i += 5) m.push(metrics([i, i + 1, i + 2, i + 3, i + 4]));
    m.flush();
    const { loss } = useMetrics.getState();
    expect(loss.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(loss[0].step).toBe(0);
    expect(loss[loss.length - 1].step).toBeGreaterThan(9 * MAX_CHART_POINTS);
  });

  it('snapshots the first complete loss-per-t curve and keeps it until asked', () => {
    const m = useMetrics.getState();
    m.push(metrics([1], [0.5, null]));
    m.flush();
    expect(useMetrics.getState().snapshot).toBeUndefined();
    vi.advanceTimersByTime(CHART_INTERVAL_MS);
    m.push(metrics([2], [0.4, 0.2]));
    vi.advanceTimersByTime(CHART_INTERVAL_MS);
    m.push(metrics([9], [0.1, 0.05]));
    m.flush();
    expect(useMetrics.getState().snapshot).toEqual({ step: 2, buckets: [0.4, 0.2] });
    m.takeSnapshot();
    expect(useMetrics.getState().snapshot?.step).toBe(9);
  });

  it('restores a resumed run’s history in one publish', () => {
    useMetrics.getState().restore([point(1), point(2), point(3)]);
    expect(useMetrics.getState().loss.map((p) => p.step)).toEqual([1, 2, 3]);
  });
});
