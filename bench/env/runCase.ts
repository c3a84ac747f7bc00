/**
 * One benchmark case inside an environment (Node or a browser page) whose tfjs backend is
 * already set: training steps (first, warm-up, timed), then the lab's sampler at each batch.
 * Every measurement is emitted as it happens, so a case killed at a cap keeps what it measured.
 */
import * as tf from '@tensorflow/tfjs';
import { setFusedKernelsDefault } from '../../src/model/fused';
import { sample } from '../../src/sampling';
import { sampleSteps } from '../lib/plan';
import type { BenchEvent, EnvSpec } from '../lib/types';
import { installCounters, type Counters } from './counters';
import { profileStep } from './profile';
import { createTrainStep } from './trainStep';

/** Runs `spec` on the current backend; `device` describes the adapter for the results. */
export async function runCase(spec: EnvSpec, device: string, emit: (e: BenchEvent) => void): Promise<void> {
  const counters = installCounters();
  setFusedKernelsDefault(spec.fused);
  const train = createTrainStep(spec.preset, spec.batch, spec.seed);
  try {
    emit({ type: 'env', device, parameters: train.parameters });
    const trained = await timeTraining(spec, train.step, counters, emit);
    if (trained && spec.profile) emit(await profileStep(train.step));
    if (trained)
      for (const batch of spec.sampleBatches)
        if (!(await timeSampling(spec, train.samplingModel(), batch, counters, emit))) break;
    // WebGL and WebGPU name their pool size differently; both count free buffers kept for reuse.
    const memory = tf.memory() as tf.MemoryInfo & {
      numBytesInGPUAllocated?: number;
      numBytesAllocatedInGPU?: number;
    };
    const gpuBytes = memory.numBytesInGPUAllocated ?? memory.numBytesAllocatedInGPU;
    if (gpuBytes !== undefined) emit({ type: 'memory', gpuBytes });
  } finally {
    train.dispose();
  }
  emit({ type: 'done' });
}

/** Returns false when a step hit the cap (sampling is then skipped: it would too). */
async function timeTraining(
  spec: EnvSpec,
  step: () => Promise<number>,
  counters: Counters,
  emit: (e: BenchEvent) => void,
): Promise<boolean> {
  let timedMs = 0;
  let timed = 0;
  for (let i = 0; ; i++) {
    const phase = i === 0 ? 'first' : i <= spec.warmup ? 'warmup' : 'timed';
    counters.reset();
    const start = performance.now();
    const loss = await step();
    const ms = performance.now() - start;
    emit({ type: 'train', phase, ms, loss, ...counters.read() });
    if (phase !== 'first' && ms > spec.capMs) {
      emit({
        type: 'stop',
        what: 'train',
        reason: `one step took ${seconds(ms)} > cap ${seconds(spec.capMs)}`,
      });
      return false;
    }
    if (phase !== 'timed') continue;
    timed++;
    timedMs += ms;
    const last = timed >= spec.steps || timedMs + ms > spec.timedBudgetMs;
    if (last) emit({ type: 'tallies', ...counters.tallies() });
    if (timed >= spec.steps) return true;
    if (last) {
      emit({
        type: 'stop',
        what: 'train',
        reason: `case budget ${seconds(spec.timedBudgetMs)} spent after ${timed} timed steps`,
      });
      return true;
    }
  }
}

/**
 * One warm-up run of a single reverse step (compiles the eval-mode shaders), then a timed run of
 * DDPM steps (see {@link sampleSteps}); per step = that run's wall time over its steps (the run reads the
 * images back once at the end, as the lab does). Returns false when a step exceeded the cap.
 */
async function timeSampling(
  spec: EnvSpec,
  model: Parameters<typeof sample>[0],
  batch: number,
  counters: Counters,
  emit: (e: BenchEvent) => void,
): Promise<boolean> {
  const run = async (steps: number, phase: 'first' | 'timed') => {
    counters.reset();
    const start = performance.now();
    await sample(
      model,
      DEFAULT_SCHEDULE,
      {
        sampler: 'ddpm',
        numInferenceSteps: steps,
        numImages: batch,
        maxBatch: batch,
        frameBudgetBytes: 0,
        seed: spec.seed,
      },
      {},
    );
    const ms = performance.now() - start;
    emit({ type: 'sample', batch, phase, steps, ms, ...counters.read() });
    return ms / steps;
  };
  const first = await run(1, 'first');
  if (first > spec.capMs) {
    emit({
      type: 'stop',
      what: 'sample',
      reason: `batch ${batch}: first step took ${seconds(first)} > cap ${seconds(spec.capMs)}`,
    });
    return false;
  }
  const per = await run(sampleSteps(spec, first), 'timed');
  if (per > spec.capMs) {
    emit({
      type: 'stop',
      what: 'sample',
      reason: `batch ${batch}: a step took ${seconds(per)} > cap ${seconds(spec.capMs)}`,
    });
    return false;
  }
  return true;
}

/** The paper's schedule (linear 1e-4..0.02, T = 1000): its shape does not change a step's cost. */
const DEFAULT_SCHEDULE = {};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
