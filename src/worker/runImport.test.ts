import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config';
import { readZip, writeZip } from '../io/zip';
import { decodeCheckpoint, encodeCheckpoint } from '../training/checkpoint';
import { MemoryCheckpointStore, StorageFullError } from '../training/checkpointStore';
import { installFastCpuKernels } from '../training/cpuKernels';
import { RunBundleError, readRunBundle } from './runImport';
import { config, datasetFiles, losses, setup } from './testEngine';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installFastCpuKernels();
});

/** An engine with the dataset loaded. */
async function withDataset(store = new MemoryCheckpointStore()) {
  const engine = await setup({ store });
  await engine.send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
  await engine.waitFor('datasetLoaded');
  return engine;
}

/** Run "run" trained two steps and exported (still paused at step 2 in `trainer`). */
async function exportedRun() {
  const trainer = await withDataset();
  await trainer.send({ type: 'train', runId: 'run', config: config({ training: { targetSteps: 2 } }) });
  await trainer.waitFor('trainState', (e) => e.reason?.code === 'target-reached');
  await trainer.send({ type: 'exportRun', requestId: 'export', runId: 'run' });
  const zip = new Uint8Array((await trainer.waitFor('runExported')).bytes).slice();
  return { trainer, zip };
}

let bundle: Map<string, Uint8Array>;
beforeAll(async () => {
  bundle = readZip((await exportedRun()).zip);
});

/** The exported bundle with some entries replaced (undefined removes one), zipped again. */
function edited(entries: Record<string, Uint8Array | undefined>): Uint8Array {
  const files = new Map(bundle);
  for (const [name, bytes] of Object.entries(entries))
    if (bytes === undefined) files.delete(name);
    else files.set(name, bytes);
  return writeZip(files);
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** The bundle's checkpoint re-encoded with another config (run.json following it). */
function withConfig(change: (c: RunConfig) => unknown): Uint8Array {
  const { meta, state } = decodeCheckpoint(bundle.get('checkpoint.safetensors')!);
  const changed = change(structuredClone(meta.config)) as RunConfig;
  const { runId, step, savedAt, backend, metrics } = meta;
  return edited({
    'run.json': json(changed),
    'checkpoint.safetensors': encodeCheckpoint(
      { runId, step, savedAt, backend, metrics, config: changed },
      state,
    ),
  });
}

describe('run import: the round trip', () => {
  it('export → import into a fresh store → resume continues with the same losses as the run that never left', async () => {
    const { trainer, zip } = await exportedRun();
    const lab = await withDataset();
    await lab.send({ type: 'importRun', requestId: 'imp', bytes: zip.slice().buffer as ArrayBuffer });
    const imported = (await lab.waitFor('runImported')).checkpoint;
    expect(imported).toMatchObject({
      runId: 'run',
      step: 2,
      backend: 'cpu',
      config: config({ training: { targetSteps: 2 } }),
    });
    expect((await lab.waitFor('checkpoints')).checkpoints).toEqual([imported]);

    await lab.send({ type: 'train', runId: 'run', config: imported.config, resume: imported.id });
    const resumed = await lab.waitFor('trainState', (e) => e.reason?.code === 'resumed');
    expect(resumed.step).toBe(2);
    expect((await lab.waitFor('trainHistory')).points.map((p) => p.step)).toEqual([1, 2]);
    await lab.waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    await lab.send({ type: 'setTargetStep', runId: 'run', targetStep: 4 });
    await lab.send({ type: 'resume', runId: 'run' });
    await lab.waitFor('trainState', (e) => e.reason?.code === 'target-reached' && e.step === 4);

    await trainer.send({ type: 'setTargetStep', runId: 'run', targetStep: 4 });
    await trainer.send({ type: 'resume', runId: 'run' });
    await trainer.waitFor('trainState', (e) => e.reason?.code === 'target-reached' && e.step === 4);
    const afterImport = losses(lab.of('trainProgress').flatMap((p) => p.metrics.points));
    const straight = losses(trainer.of('trainProgress').flatMap((p) => p.metrics.points));
    for (const step of [3, 4]) {
      expect(afterImport.get(step)).toEqual(expect.any(Number));
      expect(afterImport.get(step)).toBe(straight.get(step));
    }
    expect(lab.of('error')).toEqual([]);
  });
});

describe('run import: bad bundles', () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['not a zip', () => json({ hello: 1 }), /not a readable zip/],
    [
      'a zip without the checkpoint',
      () => edited({ 'checkpoint.safetensors': undefined }),
      /the zip has no checkpoint\.safetensors \(it holds run\.json, scheduler_config\.json, metrics\.csv\)/,
    ],
    ['a zip without run.json', () => edited({ 'run.json': undefined }), /the zip has no run\.json/],
    [
      'a truncated checkpoint',
      () => edited({ 'checkpoint.safetensors': bundle.get('checkpoint.safetensors')!.subarray(0, 4000) }),
      /^checkpoint\.safetensors: checkpoint is not a readable safetensors file/,
    ],
    [
      'run.json that is not JSON',
      () => edited({ 'run.json': json('x').subarray(1) }),
      /^run\.json: not valid JSON/,
    ],
    [
      'a config of an unknown model preset',
      () => withConfig((c) => ({ ...c, model: { ...c.model, preset: 'huge' } })),
      /run\.json is not a run config of this lab: .*huge/,
    ],
    [
      'run.json and the checkpoint disagreeing',
      () => {
        const c = config({ training: { targetSteps: 2 } });
        return edited({ 'run.json': json({ ...c, training: { ...c.training, lr: 0.5 } }) });
      },
      /run\.json and checkpoint\.safetensors name different configs \(training\.lr: 0\.003 vs 0\.5\)/,
    ],
    [
      'tensors of another model',
      () => withConfig((c) => ({ ...c, model: { ...c.model, block_out_channels: [8, 16] } })),
      /checkpoint\.safetensors: checkpoint tensor model\/conv_in\.weight has shape \[.*\] \(\d+ values\); its config needs 216/,
    ],
  ];
  for (const [what, bytes, message] of cases)
    it(`refuses ${what}, naming the problem`, () => {
      expect(() => readRunBundle(bytes())).toThrow(RunBundleError);
      expect(() => readRunBundle(bytes())).toThrow(message);
    });

  it('answers a bad bundle with a checkpoint error and stores nothing', async () => {
    const store = new MemoryCheckpointStore();
    const lab = await setup({ store });
    await lab.send({
      type: 'importRun',
      requestId: 'imp',
      bytes: edited({ 'checkpoint.safetensors': undefined }).buffer as ArrayBuffer,
    });
    expect(await lab.waitFor('error')).toMatchObject({
      requestId: 'imp',
      code: 'checkpoint',
      message: expect.stringMatching(/^importRun: the zip has no checkpoint\.safetensors/),
    });
    expect(await store.list()).toEqual([]);
    expect(lab.of('runImported')).toEqual([]);
  });
});

describe('run import: guards', () => {
  it('refuses while a run is training, which goes on untouched', async () => {
    const store = new MemoryCheckpointStore();
    const lab = await withDataset(store);
    await lab.send({ type: 'train', runId: 'live', config: config({ training: { targetSteps: 6 } }) });
    await lab.send({ type: 'importRun', requestId: 'imp', bytes: writeZip(bundle).buffer as ArrayBuffer });
    expect(await lab.waitFor('error', (e) => e.requestId === 'imp')).toMatchObject({
      code: 'busy',
      message: 'importRun: run live is running; stop or reset it before importing a run',
    });
    const done = await lab.waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    expect(done).toMatchObject({ runId: 'live', step: 6 });
    expect((await store.list()).map((c) => c.runId)).toEqual(['live']);
  });

  it('reports a full storage as storage-full', async () => {
    class FullStore extends MemoryCheckpointStore {
      override async save(): Promise<never> {
        throw new StorageFullError('storage is full (QuotaExceededError)');
      }
    }
    const lab = await setup({ store: new FullStore() });
    await lab.send({ type: 'importRun', requestId: 'imp', bytes: writeZip(bundle).buffer as ArrayBuffer });
    expect(await lab.waitFor('error')).toMatchObject({
      requestId: 'imp',
      code: 'storage-full',
      message: expect.stringMatching(
        /^importRun: the checkpoint \(\d+ bytes\) was not stored: storage is full \(QuotaExceededError\); delete old checkpoints/,
      ),
    });
  });
});
