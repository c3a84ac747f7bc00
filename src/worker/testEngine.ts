/**
 * Test helpers for the worker's training commands: an Engine on the CPU backend with an event log,
 * a tiny Shapes dataset as dropped idx files, and the tiny preset trimmed to a few steps.
 */
import { applyOverrides, presetRunConfig, type RunConfig, type RunConfigOverrides } from '../config';
import { generateShapes } from '../data/shapes';
import { idxFile } from '../data/testHelpers';
import { Engine } from './engine';
import { PROTOCOL_VERSION } from './protocol';
import type { TrainingDeps } from './trainingRun';
import type { Command, MetricPoint, WorkerEvent } from './protocol';

export type EventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

/** Eight 8×8 Shapes images as an idx pair, the way a user would drop files. */
export function datasetFiles(count = 8) {
  const ds = generateShapes({ count, seed: 1, size: 8 });
  const buffer = (b: Uint8Array) => b.slice().buffer as ArrayBuffer;
  return [
    { name: 'train-images-idx3-ubyte', bytes: buffer(idxFile([count, 8, 8, 3], ds.images)) },
    { name: 'train-labels-idx1-ubyte', bytes: buffer(idxFile([count], ds.labels)) },
  ];
}

/** The tiny preset on dropped files, batch 4, three steps, no previews or timed autosaves. */
export function config(overrides: RunConfigOverrides = {}): RunConfig {
  const base: RunConfigOverrides = {
    data: { dataset: 'files' },
    training: { batchSize: 4, logEveryMs: 10, previewEverySteps: 0, checkpointEverySec: 0, targetSteps: 3 },
  };
  return applyOverrides(applyOverrides(presetRunConfig('tiny'), base), overrides);
}

/** An engine on the CPU backend with its event log and a waiter. */
export async function setup(training: Partial<TrainingDeps> = {}) {
  const events: WorkerEvent[] = [];
  const engine = new Engine((e) => events.push(e), {
    initBackend: async () => ({ name: 'cpu', requested: 'cpu', fallbackReasons: [] }),
    runGpuCheck: async () => ({ ms: 1, gflops: 1 }),
    training,
  });
  const send = (cmd: Command) => engine.handle(cmd);
  await send({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend: 'cpu' });
  /** Resolves with the first event from `from` on that matches. */
  const waitFor = async <T extends WorkerEvent['type']>(
    type: T,
    match: (e: EventOf<T>) => boolean = () => true,
    from = 0,
  ): Promise<EventOf<T>> => {
    for (let waited = 0; waited < 240_000; waited += 20) {
      const found = events
        .slice(from)
        .find((e): e is EventOf<T> => e.type === type && match(e as EventOf<T>));
      if (found) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${type} event; got ${events.map((e) => e.type).join(', ')}`);
  };
  const of = <T extends WorkerEvent['type']>(type: T) =>
    events.filter((e): e is EventOf<T> => e.type === type);
  return { engine, events, send, waitFor, of };
}

/** Each step's loss. */
export const losses = (points: MetricPoint[]) => new Map(points.map((p) => [p.step, p.loss]));
