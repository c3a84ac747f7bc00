import { trainingStepFlops } from '../../src/model/flops';
import { presetConfig } from '../../src/model/presets';
import { aggregateCase, linkPytorch, onGpu, predictedOverCap, stepFlops } from './aggregate';
import { median } from './median';
import { parseOptions } from './options';
import { planCases, type PlannedCase } from './plan';
import type { BenchEvent } from './types';

const plan = (backend: string, extra: string[] = []): PlannedCase =>
  planCases(
    parseOptions([
      '--presets',
      'tiny',
      '--backends',
      backend,
      '--steps',
      '3',
      '--sample-batches',
      '16,64',
      ...extra,
    ]),
  )[0];

const train = (
  phase: 'first' | 'warmup' | 'timed',
  ms: number,
  dispatches: number | null = 900,
): BenchEvent => ({
  type: 'train',
  phase,
  ms,
  loss: 1,
  kernels: 400,
  dispatches,
  peakBytes: ms * 1000,
});

const full: BenchEvent[] = [
  { type: 'env', device: 'webgpu nvidia/hopper', parameters: 702_499 },
  train('first', 5000, 1200),
  train('warmup', 300),
  train('timed', 200),
  train('timed', 100),
  train('timed', 400),
  {
    type: 'tallies',
    kernels: [
      ['Conv2D', 40],
      ['Add', 30],
    ],
    dispatches: [['Conv2DMMProgram', 50]],
  },
  { type: 'sample', batch: 16, phase: 'first', steps: 1, ms: 900 },
  { type: 'sample', batch: 16, phase: 'timed', steps: 5, ms: 250, dispatches: 1000, kernels: 500 },
  { type: 'stop', what: 'sample', reason: 'batch 64: first step took 9.0 s > cap 1.0 s' },
  { type: 'memory', gpuBytes: 123 },
  { type: 'done' },
];

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/empty/);
  });
});

describe('aggregateCase', () => {
  it('reports the median of the timed steps, images/s, FLOP rate and the GPU fraction', () => {
    const r = aggregateCase(plan('node-webgpu'), full, null, 50);
    const flops = trainingStepFlops(presetConfig('tiny'), 16, 16, 16).total;
    expect(r).toMatchObject({
      status: 'partial', // sampling at 64 was stopped
      batch: 16,
      device: 'webgpu nvidia/hopper',
      firstStepMs: 5000,
      msPerStep: 200,
      stepsTimed: 3,
      stepMs: [200, 100, 400],
      imagesPerSec: 80,
      kernelsPerStep: 400,
      dispatchesPerStep: 900,
      peakTensorBytes: 5_000_000,
      gpuBytes: 123,
      flopsPerStep: flops,
    });
    expect(r.gflopsPerSec).toBeCloseTo(flops / 0.2 / 1e9, 6);
    expect(r.peakFraction).toBeCloseTo(r.gflopsPerSec! / 50_000, 9);
    expect(r.sampling).toEqual([
      { batch: 16, msPerStep: 50, steps: 5, dispatchesPerStep: 200, kernelsPerStep: 100 },
      {
        batch: 64,
        msPerStep: null,
        steps: 0,
        dispatchesPerStep: null,
        kernelsPerStep: null,
        reason: 'batch 64: first step took 9.0 s > cap 1.0 s',
      },
    ]);
    expect(r.reason).toBe('sample: batch 64: first step took 9.0 s > cap 1.0 s');
    expect(r.topKernels).toEqual([
      ['Conv2D', 40],
      ['Add', 30],
    ]);
    expect(r.topDispatches).toEqual([['Conv2DMMProgram', 50]]);
    expect(r.flags).toEqual([]);
  });

  it('is ok only when every step and sampling run finished', () => {
    const clean = full.filter((e) => e.type !== 'stop');
    const events = [
      ...clean.slice(0, 8),
      { type: 'sample', batch: 64, phase: 'timed', steps: 5, ms: 500 } as BenchEvent,
      ...clean.slice(8),
    ];
    expect(aggregateCase(plan('node-webgpu'), events, null, null).status).toBe('ok');
  });

  it('gives no GPU fraction for CPU and SwiftShader devices, or an unknown GPU', () => {
    const swift = full.map((e) => (e.type === 'env' ? { ...e, device: 'webgpu google/swiftshader' } : e));
    expect(aggregateCase(plan('node-webgpu'), swift, null, 50).peakFraction).toBeNull();
    expect(aggregateCase(plan('node-webgpu'), full, null, null).peakFraction).toBeNull();
    expect(onGpu('cuda NVIDIA H100 80GB HBM3 (torch 2.1)')).toBe(true);
    expect(onGpu('cpu (torch 1.13, 2 threads)')).toBe(false);
  });

  it('flags fewer timed steps than asked, keeping what was measured when killed', () => {
    const events: BenchEvent[] = [
      { type: 'env', device: 'cpu', parameters: 1 },
      train('first', 900, null),
      train('warmup', 800, null),
      train('timed', 700, null),
    ];
    const r = aggregateCase(plan('node-cpu'), events, 'no result within 120 s for the next step', null);
    expect(r.status).toBe('partial');
    expect(r.msPerStep).toBe(700);
    expect(r.dispatchesPerStep).toBeNull();
    expect(r.flags).toEqual(['1 of 3 timed steps']);
    expect(r.reason).toBe('no result within 120 s for the next step');
    expect(r.sampling.map((s) => s.reason)).toEqual(['not reached', 'not reached']);
  });

  it('falls back to the first step for kernel and dispatch counts when no other step finished', () => {
    const events: BenchEvent[] = [
      { type: 'env', device: 'webgpu', parameters: 1 },
      train('first', 900, 4542),
    ];
    const r = aggregateCase(
      plan('node-webgpu'),
      events,
      'run budget of 840 s spent while this case ran',
      null,
    );
    expect(r).toMatchObject({
      status: 'partial',
      msPerStep: null,
      firstStepMs: 900,
      dispatchesPerStep: 4542,
      kernelsPerStep: 400,
    });
    expect(r.flags).toEqual(['counts from the first step']);
  });

  it('counts a case with no finished step as skipped, or failed when it reported an error', () => {
    const skipped = aggregateCase(plan('browser-webgpu'), [], 'not started: run budget of 840 s spent', null);
    expect(skipped).toMatchObject({
      status: 'skipped',
      msPerStep: null,
      firstStepMs: null,
      imagesPerSec: null,
    });
    expect(skipped.reason).toBe('not started: run budget of 840 s spent');
    const failed = aggregateCase(
      plan('browser-webgpu'),
      [{ type: 'error', message: 'no adapter' }],
      null,
      null,
    );
    expect(failed).toMatchObject({ status: 'failed', reason: 'no adapter' });
  });
});

describe('linkPytorch', () => {
  it('divides each lab case by the PyTorch case of the same preset and batch', () => {
    const lab = aggregateCase(plan('node-cpu'), full, null, null);
    const torch = { ...aggregateCase(plan('pytorch'), full, null, null), msPerStep: 50 };
    const otherBatch = { ...lab, batch: 8 };
    const [a, b, c] = linkPytorch([torch, lab, otherBatch]);
    expect(a.vsPytorch).toBeNull();
    expect(b.vsPytorch).toBe(4);
    expect(c.vsPytorch).toBeNull();
  });
});

describe('predictedOverCap', () => {
  const measured = (preset: 'tiny' | 'mnist', ms: number) => ({
    ...aggregateCase(plan('node-webgpu'), full, null, null),
    preset,
    flopsPerStep: stepFlops(preset, 16),
    msPerStep: ms,
  });

  it('scales the largest smaller preset measured on the same backend by FLOPs', () => {
    const ratio = stepFlops('cifar-small', 16) / stepFlops('mnist', 16);
    const done = [measured('tiny', 1), measured('mnist', 1000)];
    expect(predictedOverCap('cifar-small', 'node-webgpu', 16, done, 1000 * ratio + 1)).toBeNull();
    expect(predictedOverCap('cifar-small', 'node-webgpu', 16, done, 1000 * ratio - 1)).toBe(
      `not started: mnist at 1000 ms/step predicts ~${Math.round(ratio)} s per step > cap ${(1000 * ratio - 1) / 1000} s`,
    );
  });

  it('has nothing to go on without a smaller preset measured on that backend', () => {
    const done = [measured('mnist', 1e9)];
    expect(predictedOverCap('cifar-small', 'pytorch', 16, done, 1)).toBeNull();
    expect(predictedOverCap('tiny', 'node-webgpu', 16, done, 1)).toBeNull();
    expect(
      predictedOverCap('cifar-small', 'node-webgpu', 16, [{ ...done[0], msPerStep: null }], 1),
    ).toBeNull();
  });
});
