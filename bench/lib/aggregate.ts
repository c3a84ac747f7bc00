/**
 * Turns the event stream of one case into its result row: medians, images/s, FLOP rate, the
 * fraction of the GPU's peak, and flags for every departure from the protocol.
 */
import { trainingStepFlops } from '../../src/model/flops';
import { presetConfig } from '../../src/model/presets';
import { aggregateHostCost, hostBatchFlags, hostCostComplete } from './hostCost';
import { median } from './median';
import type { PlannedCase } from './plan';
import type { BenchEvent, CaseResult, SampleResult } from './types';

/** How many of the most frequent kernels and programs a result keeps. */
const TOP = 15;


/** Training FLOPs of one step of a preset at a batch, from src/model/flops.ts. */
export function stepFlops(preset: PlannedCase['preset'], batch: number): number {
  const config = presetConfig(preset);
  const side = config.sample_size as number;
  return trainingStepFlops(config, batch, side, side).total;
}

/**
 * One case's result from its events. `ended` says why the stream stopped when it did not end with
 * `done` (killed at a cap, out of budget, crashed); `peakTflops` is the machine's GPU fp32 peak if
 * known, applied only when the case ran on that GPU.
 */
export function aggregateCase(
  planned: PlannedCase,
  events: readonly BenchEvent[],
  ended: string | null,
  peakTflops: number | null,
): CaseResult {
  const { preset, backend, spec } = planned;
  const flags = [...planned.flags];
  const reasons: string[] = [];
  const env = events.find((e) => e.type === 'env');
  const train = events.filter((e) => e.type === 'train');
  const first = train.find((e) => e.phase === 'first');
  const timed = train.filter((e) => e.phase === 'timed');
  // Counts come from the last steady step; the first step's (same ops, a few more dispatches)
  // only when it is all there is.
  const steady = timed.length > 0 ? timed : train.filter((e) => e.phase === 'warmup');
  const counted = steady.length > 0 ? steady : train;
  if (steady.length === 0 && first) flags.push('counts from the first step');
  const errors = events.filter((e) => e.type === 'error').map((e) => e.message);
  for (const e of events) if (e.type === 'stop') reasons.push(`${e.what}: ${e.reason}`);
  reasons.push(...errors);
  if (ended) reasons.push(ended);

  const msPerStep = timed.length > 0 ? median(timed.map((e) => e.ms)) : null;
  const flopsPerStep = stepFlops(preset, spec.batch);
  const gflopsPerSec = msPerStep === null ? null : flopsPerStep / (msPerStep * 1e6);
  if (timed.length > 0 && timed.length < spec.steps)
    flags.push(`${timed.length} of ${spec.steps} timed steps`);

  const last = counted.at(-1);
  const memory = events.filter((e) => e.type === 'memory').at(-1);
  const tallies = events.find((e) => e.type === 'tallies');
  const profile = events.find((e) => e.type === 'profile');
  const sampling = spec.sampleBatches.map((batch) => sampleResult(batch, events));
  const done = events.some((e) => e.type === 'done');
  const hostCost = backend === 'node-null' ? aggregateHostCost(events) : undefined;
  flags.push(...hostBatchFlags(hostCost, spec.batch));
  // A node-null case times no training step of its own: its host events say how far it got.
  const started = backend === 'node-null' ? hostCost !== undefined : first !== undefined;
  const complete =
    backend === 'node-null' ? hostCostComplete(hostCost) : done && timed.length >= spec.steps;
  const status: CaseResult['status'] =
    errors.length > 0 && !started
      ? 'failed'
      : !started
        ? 'skipped'
        : complete && reasons.length === 0
          ? 'ok'
          : 'partial';

  return {
    preset,
    backend,
    batch: spec.batch,
    status,
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
    ...(env ? { device: env.device, parameters: env.parameters } : {}),
    firstStepMs: first?.ms ?? null,
    msPerStep,
    stepsTimed: timed.length,
    stepMs: timed.map((e) => e.ms),
    imagesPerSec: msPerStep === null ? null : (spec.batch * 1000) / msPerStep,
    kernelsPerStep: last?.kernels ?? null,
    dispatchesPerStep: last?.dispatches ?? null,
    peakTensorBytes: peakOf(train.map((e) => e.peakBytes)),
    gpuBytes: memory?.gpuBytes ?? null,
    flopsPerStep,
    gflopsPerSec,
    peakFraction:
      gflopsPerSec !== null && peakTflops && env && onGpu(env.device)
        ? gflopsPerSec / (peakTflops * 1000)
        : null,
    vsPytorch: null,
    sampling,
    topKernels: tallies?.kernels.slice(0, TOP) ?? [],
    topDispatches: tallies?.dispatches.slice(0, TOP) ?? [],
    profile: profile
      ? { kernels: profile.kernels.slice(0, TOP), gpuMs: profile.gpuMs, wallMs: profile.wallMs }
      : null,
    ...(hostCost ? { hostCost } : {}),
    flags,
  };
}

function peakOf(values: (number | null | undefined)[]): number | null {
  const known = values.filter((v): v is number => typeof v === 'number');
  return known.length > 0 ? Math.max(...known) : null;
}

/** Whether a device string names real GPU hardware (not the CPU, not a software rasteriser). */
export function onGpu(device: string): boolean {
  return !/^cpu|swiftshader|llvmpipe|lavapipe|software/i.test(device);
}

function sampleResult(batch: number, events: readonly BenchEvent[]): SampleResult {
  const mine = events.filter((e) => e.type === 'sample' && e.batch === batch);
  const timed = mine.find((e) => e.type === 'sample' && e.phase === 'timed');
  const stop = events.find(
    (e) => e.type === 'stop' && e.what === 'sample' && e.reason.includes(`batch ${batch}`),
  );
  if (!timed || timed.type !== 'sample')
    return {
      batch,
      msPerStep: null,
      steps: 0,
      dispatchesPerStep: null,
      kernelsPerStep: null,
      reason: stop?.type === 'stop' ? stop.reason : 'not reached',
    };
  const per = (n: number | null | undefined) => (n === null || n === undefined ? null : n / timed.steps);
  return {
    batch,
    msPerStep: timed.ms / timed.steps,
    steps: timed.steps,
    dispatchesPerStep: per(timed.dispatches),
    kernelsPerStep: per(timed.kernels),
  };
}

/** Fills `vsPytorch`: each lab case's ms/step over the PyTorch case of the same preset and batch. */
export function linkPytorch(cases: CaseResult[]): CaseResult[] {
  return cases.map((c) => {
    if (c.backend === 'pytorch' || c.msPerStep === null) return c;
    const ref = cases.find((r) => r.backend === 'pytorch' && r.preset === c.preset && r.batch === c.batch);
    return ref?.msPerStep ? { ...c, vsPytorch: c.msPerStep / ref.msPerStep } : c;
  });
}

/**
 * Why a case need not be started: a smaller preset already measured on the same backend, scaled
 * by training FLOPs, puts one step of this case past the cap. Per-step overheads make large models
 * relatively cheaper, so this only errs toward running a case; null when there is nothing to go on.
 */
export function predictedOverCap(
  preset: PlannedCase['preset'],
  backend: PlannedCase['backend'],
  batch: number,
  done: readonly CaseResult[],
  capMs: number,
): string | null {
  const flops = stepFlops(preset, batch);
  const rates = done.filter((c) => c.backend === backend && c.msPerStep !== null && c.flopsPerStep < flops);
  if (rates.length === 0) return null;
  const best = rates.reduce((a, b) => (a.flopsPerStep > b.flopsPerStep ? a : b));
  const predicted = (best.msPerStep as number) * (flops / best.flopsPerStep);
  if (predicted <= capMs) return null;
  return `not started: ${best.preset} at ${Math.round(best.msPerStep as number)} ms/step predicts ~${Math.round(predicted / 1000)} s per step > cap ${capMs / 1000} s`;
}
