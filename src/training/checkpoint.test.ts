import { defaultRunConfig } from '../config';
import { writeSafetensors } from '../io/safetensors';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { MemoryCheckpointStore } from './checkpointStore';
import { RunMetrics } from './runMetrics';
import type { TrainerState } from './trainer';

const state: TrainerState = {
  step: 12,
  rng: [1, 2, 3, 4, 1, 0.25],
  order: { epoch: 2, cursor: 8 },
  adamStep: 12,
  tensors: new Map([
    ['model/conv_in.weight', { shape: [2, 2], data: Float32Array.from([1.5, -2, 3e-8, 4]) }],
    ['adam.m', { shape: [3], data: Float32Array.from([0, 1, Math.fround(0.1)]) }],
  ]),
};
const meta = {
  runId: 'run-1',
  step: 12,
  savedAt: 1234,
  backend: 'cpu',
  config: defaultRunConfig(),
  metrics: new RunMetrics(1000).state(),
};

describe('checkpoint bytes', () => {
  it('round-trip every tensor bit for bit and all the metadata', () => {
    const decoded = decodeCheckpoint(encodeCheckpoint(meta, state));
    expect(decoded.state).toEqual(state);
    expect(decoded.meta).toMatchObject({ ...meta, format: 'diffusion-lab-checkpoint', version: 1 });
    expect(decoded.meta.trainer).toEqual({ step: 12, rng: state.rng, order: state.order, adamStep: 12 });
  });

  it('say what is wrong with bytes that are not a checkpoint', () => {
    expect(() => decodeCheckpoint(new Uint8Array(3))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(new Uint8Array(3))).toThrow(/not a readable safetensors file/);
    const plain = writeSafetensors(new Map([['w', { shape: [1], data: [1] }]]));
    expect(() => decodeCheckpoint(plain)).toThrow(/not a lab checkpoint/);
    const future = writeSafetensors(new Map([['w', { shape: [1], data: [1] }]]), {
      diffusion_lab: JSON.stringify({ format: 'diffusion-lab-checkpoint', version: 99 }),
    });
    expect(() => decodeCheckpoint(future)).toThrow(
      'checkpoint version 99 is not supported; this lab reads version 1',
    );
  });
});

describe('memory checkpoint store', () => {
  it('keeps the latest checkpoint per run, newest run first (keeping one per run)', async () => {
    const store = new MemoryCheckpointStore(1);
    const desc = (runId: string, step: number, savedAt: number) => ({
      runId,
      step,
      savedAt,
      backend: 'cpu',
      config: defaultRunConfig(),
    });
    const a1 = await store.save(desc('a', 1, 10), Uint8Array.from([1]));
    const a2 = await store.save(desc('a', 2, 20), Uint8Array.from([2, 2]));
    const b1 = await store.save(desc('b', 5, 15), Uint8Array.from([3]));
    expect((await store.list()).map((c) => c.id)).toEqual([a2.id, b1.id]);
    expect(a2.bytes).toBe(2);
    expect(Array.from(await store.load(a2.id))).toEqual([2, 2]);
    await expect(store.load(a1.id)).rejects.toThrow(`no checkpoint with id ${a1.id} in this storage`);
    await store.delete(a2.id);
    expect((await store.list()).map((c) => c.runId)).toEqual(['b']);
  });
});
