import { LossPerTBuckets } from './lossPerT';
import { Smoother, Throughput, etaSeconds, learningRate } from './metrics';
import { MAX_HISTORY, RunMetrics } from './runMetrics';
import type { StepReport } from './trainer';

function report(step: number, loss: number, t: number[] = [0]): StepReport {
  return {
    step,
    loss,
    gradNorm: 1,
    lr: 1e-3,
    emaDecay: 0.5,
    t: Int32Array.from(t),
    perExampleLoss: Float32Array.from(t.map(() => loss)),
  };
}

describe('loss per timestep', () => {
  it('puts t into 20 buckets over [0, T) and averages a rolling window per bucket', () => {
    const b = new LossPerTBuckets(1000, 20, 2);
    expect([b.bucketOf(0), b.bucketOf(49), b.bucketOf(50), b.bucketOf(999)]).toEqual([0, 0, 1, 19]);
    b.add([0, 10, 999], [1, 3, 5]);
    b.add([20], [7]);
    const s = b.snapshot();
    expect(s.mean[0]).toBe(5); // window of 2: the 1 dropped out
    expect(s.count[0]).toBe(2);
    expect(s.mean[19]).toBe(5);
    expect(s.mean[5]).toBeNull();
    const copy = new LossPerTBuckets(1000, 20, 2);
    copy.load(b.state());
    expect(copy.snapshot()).toEqual(s);
    expect(() => copy.load([[1]])).toThrow(/20 lists/);
  });
});

describe('metrics helpers', () => {
  it('smooths with bias correction, so the first value is itself', () => {
    const s = new Smoother(0.9);
    expect(s.add(2)).toBeCloseTo(2, 12);
    expect(s.add(4)).toBeCloseTo((0.9 * 0.1 * 2 + 0.1 * 4) / (1 - 0.81), 12);
  });

  it('measures steps per second over recent steps and forgets pauses', () => {
    const t = new Throughput(3);
    [0, 100, 200, 300, 400].forEach((ms) => t.tick(ms));
    expect(t.stepsPerSec()).toBeCloseTo(10, 9);
    t.reset();
    t.tick(10_000);
    expect(t.stepsPerSec()).toBe(0);
  });

  it('estimates the time to the target, and warms the learning rate up', () => {
    expect(etaSeconds(100, 200, 10)).toBe(10);
    expect(etaSeconds(100, 200, 0)).toBeNull();
    expect(etaSeconds(300, 200, 5)).toBe(0);
    // The paper's get_warmed_up_lr: the first step (n = 0) has lr 0.
    expect([0, 1, 3, 4, 9].map((n) => learningRate(1, 4, n))).toEqual([0, 0.25, 0.75, 1, 1]);
    expect(learningRate(0.1, 0, 0)).toBe(0.1);
  });
});

describe('run metrics', () => {
  it('sends every point once, with throughput, ETA and epoch', () => {
    const m = new RunMetrics(1000);
    m.record(report(1, 1), 0);
    m.record(report(2, 0.5), 500);
    const ctx = {
      targetStep: 10,
      epoch: 0.5,
      batchSize: 4,
      memory: { numTensors: 1, numBytes: 2 },
      backend: 'cpu',
    };
    const p = m.progress(ctx);
    expect(p?.points.map((q) => q.step)).toEqual([1, 2]);
    expect(p?.stepsPerSec).toBe(2);
    expect(p?.imagesPerSec).toBe(8);
    expect(p?.etaSec).toBe(4);
    expect(p?.elapsedSec).toBe(0.5);
    expect(m.progress(ctx)?.points).toEqual([]);
    expect(new RunMetrics(1000).progress(ctx)).toBeNull();
  });

  it('keeps a bounded history that survives a checkpoint', () => {
    const m = new RunMetrics(1000);
    for (let i = 1; i <= MAX_HISTORY + 1; i++) m.record(report(i, 1 / i), i);
    expect(m.points().length).toBeLessThanOrEqual(MAX_HISTORY);
    expect(m.points().at(-1)?.step).toBe(MAX_HISTORY + 1);
    const copy = new RunMetrics(1000);
    copy.load(JSON.parse(JSON.stringify(m.state())));
    expect(copy.points()).toEqual(m.points());
    expect(copy.state()).toEqual(m.state());
  });
});
