import * as tf from '@tensorflow/tfjs';
import { readZip } from '../io/zip';
import { decodeTorchState } from '../pytorch/torchState';
import { decodeCheckpoint, encodeCheckpoint } from '../training/checkpoint';
import { MemoryCheckpointStore, StorageFullError } from '../training/checkpointStore';
import { installFastCpuKernels } from '../training/cpuKernels';
import { config, datasetFiles, losses, setup } from './testEngine';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installFastCpuKernels();
});

describe('training controller: a full storage', () => {
  it('reports an autosave that does not fit as storage-full and keeps training', async () => {
    class FullStore extends MemoryCheckpointStore {
      override async save(): Promise<never> {
        throw new StorageFullError('storage is full (QuotaExceededError: the checkpoint did not fit)');
      }
    }
    const { send, waitFor, of } = await setup({ store: new FullStore() });
    await send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await waitFor('datasetLoaded');
    await send({ type: 'train', runId: 'r', config: config({ training: { targetSteps: 2 } }) });
    await waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    const full = of('error');
    expect(full).toEqual([
      {
        type: 'error',
        runId: 'r',
        code: 'storage-full',
        message:
          'autosave failed: storage is full (QuotaExceededError: the checkpoint did not fit); training continues; export the run to keep it (Import run on the Weights tab brings it back)',
      },
    ]);
    expect(of('checkpointSaved')).toEqual([]);
    await send({ type: 'setTargetStep', runId: 'r', targetStep: 3 });
    await send({ type: 'resume', runId: 'r' });
    const done = await waitFor('trainState', (e) => e.reason?.code === 'target-reached' && e.step === 3);
    expect(done.status).toBe('paused');
  });
});

describe('training controller: a run end to end', () => {
  it('loads files, trains to the target with metrics, previews and a checkpoint, continues past a raised target, stops', async () => {
    const { engine, send, waitFor, of } = await setup();
    await send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    const loaded = await waitFor('datasetLoaded');
    expect(loaded.dataset).toMatchObject({
      id: 'files',
      height: 8,
      width: 8,
      channels: 3,
      summary: { train: { images: 8 } },
    });
    expect(loaded.preview).toMatchObject({ count: 8, height: 8, width: 8, channels: 3 });
    expect(loaded.preview.data).toHaveLength(8 * 8 * 8 * 3);

    await send({
      type: 'train',
      runId: 'r1',
      config: config({ training: { previewEverySteps: 2, previewImages: 2, previewSteps: 2 } }),
    });
    const done = await waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    expect(done).toMatchObject({ runId: 'r1', status: 'paused', step: 3, targetStep: 3, backend: 'cpu' });
    expect(
      of('trainState')
        .map((e) => e.status)
        .slice(0, 2),
    ).toEqual(['starting', 'running']);
    const progress = of('trainProgress');
    const last = progress.at(-1)!.metrics;
    expect(last).toMatchObject({ step: 3, targetStep: 3, backend: 'cpu', emaDecay: expect.any(Number) });
    expect(last.lossPerT.mean).toHaveLength(20);
    expect(last.epoch).toBeCloseTo(1.5, 9);
    expect(last.memory.numTensors).toBeGreaterThan(0);
    expect(progress.flatMap((p) => p.metrics.points.map((q) => q.step))).toEqual([1, 2, 3]);
    const preview = await waitFor('trainPreview');
    expect(preview).toMatchObject({
      runId: 'r1',
      step: 2,
      usedEma: true,
      grid: { count: 2, height: 8, width: 8, channels: 3 },
    });
    expect((await waitFor('checkpointSaved')).checkpoint).toMatchObject({
      runId: 'r1',
      step: 3,
      backend: 'cpu',
    });
    expect(engine.modelSlot.current()?.origin).toEqual({ kind: 'trained', runId: 'r1' });
    expect((await waitFor('modelLoaded')).model.origin).toBe('trained');

    await send({ type: 'listCheckpoints' });
    expect((await waitFor('checkpoints')).checkpoints.map((c) => c.step)).toEqual([3]);

    await send({ type: 'setTargetStep', runId: 'r1', targetStep: 4 });
    await send({ type: 'resume', runId: 'r1' });
    await waitFor('trainState', (e) => e.reason?.code === 'target-reached' && e.step === 4);
    await send({ type: 'previewNow', runId: 'r1' });
    expect((await waitFor('trainPreview', (e) => e.step === 4)).grid.data).toHaveLength(2 * 8 * 8 * 3);
    await send({ type: 'stop', runId: 'r1' });
    expect((await waitFor('trainState', (e) => e.status === 'stopped')).step).toBe(4);
    await send({ type: 'exportRun', requestId: 'export', runId: 'r1' });
    const exported = await waitFor('runExported');
    expect(exported.fileName).toBe('ddpm-run-r1-step4.zip');
    const zip = readZip(new Uint8Array(exported.bytes));
    expect([...zip.keys()].sort()).toEqual([
      'checkpoint.safetensors',
      'metrics.csv',
      'run.json',
      'scheduler_config.json',
    ]);
    expect(JSON.parse(new TextDecoder().decode(zip.get('run.json')))).toEqual(
      config({ training: { previewEverySteps: 2, previewImages: 2, previewSteps: 2 } }),
    );
    const [header, ...rows] = new TextDecoder()
      .decode(zip.get('metrics.csv'))
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(header.slice(0, 6)).toEqual(['step', 'loss', 'smoothed_loss', 'lr', 'grad_norm', 'ema_decay']);
    expect(header.slice(6)).toHaveLength(20);
    expect(header[6]).toBe('loss_t_0_49');
    expect(rows.map((r) => Number(r[0]))).toEqual([1, 2, 3, 4]);
    // The tiny preset's EMA warm-up, min(0.99, (1+n)/(10+n)), step by step.
    expect(rows.map((r) => Number(r[5]))).toEqual([1 / 10, 2 / 11, 3 / 12, 4 / 13]);
    expect(rows.every((r) => r.length === header.length && Number(r[1]) > 0)).toBe(true);
    // 4 steps × batch 4 fill some t buckets: their rolling means are on the last row.
    expect(rows[3].slice(6).filter((v) => v !== '').length).toBeGreaterThan(0);
    expect(decodeCheckpoint(zip.get('checkpoint.safetensors')!).meta.step).toBe(4);

    await send({ type: 'previewDataset', requestId: 'd2', seed: 5, count: 3 });
    expect((await waitFor('datasetPreview')).preview).toMatchObject({
      count: 3,
      height: 8,
      width: 8,
      channels: 3,
    });
    await send({ type: 'previewDataset', requestId: 'd3', seed: 5, count: 0 });
    expect((await waitFor('error', (e) => e.requestId === 'd3')).message).toContain(
      'count 0 must be an integer from 1 to 256',
    );

    await send({ type: 'reset', runId: 'r1' });
    expect((await waitFor('trainState', (e) => e.status === 'idle')).reason?.code).toBe('user');
    const listed = of('checkpoints').length;
    await send({ type: 'deleteCheckpoint', checkpointId: of('checkpointSaved').at(-1)!.checkpoint.id });
    await send({ type: 'listCheckpoints' });
    await waitFor('checkpoints', () => of('checkpoints').length > listed + 1);
    expect(of('checkpoints').at(-1)!.checkpoints).toEqual([]);
    expect(engine.modelSlot.current()?.origin).toEqual({ kind: 'trained', runId: 'r1' });
  });

  it('samples a trained run with its EMA (the default) or raw weights, also after the run is freed', async () => {
    const { send, waitFor, of } = await setup();
    await send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await waitFor('datasetLoaded');
    // No warm-up and a large rate, so three steps move the raw weights well away from their average.
    await send({ type: 'train', runId: 'w', config: config({ training: { warmupSteps: 0, lr: 0.01 } }) });
    await waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    expect(of('modelLoaded').at(-1)!.model.weights).toEqual(['ema', 'raw']);
    const images = async (requestId: string, weights?: 'ema' | 'raw') => {
      await send({
        type: 'sample',
        requestId,
        options: { sampler: 'ddim', numInferenceSteps: 2, numImages: 2, seed: 7 },
        weights,
      });
      return [...new Uint8Array((await waitFor('sampleDone', (e) => e.requestId === requestId)).images)];
    };
    const ema = await images('ema', 'ema');
    const raw = await images('raw', 'raw');
    expect(await images('default')).toEqual(ema);
    expect(raw).not.toEqual(ema);
    expect(await images('raw again', 'raw')).toEqual(raw);

    await send({ type: 'reset', runId: 'w' });
    await waitFor('trainState', (e) => e.status === 'idle');
    expect(await images('raw after reset', 'raw')).toEqual(raw);
    expect(await images('ema after reset', 'ema')).toEqual(ema);
    expect(of('error')).toEqual([]);

    // A run without EMA has one set: the raw weights, and asking for the EMA is refused.
    await send({
      type: 'train',
      runId: 'n',
      config: config({ training: { useEma: false, targetSteps: 1 } }),
    });
    await waitFor('trainState', (e) => e.runId === 'n' && e.reason?.code === 'target-reached');
    expect(of('modelLoaded').at(-1)!.model.weights).toEqual(['raw']);
    await send({
      type: 'sample',
      requestId: 'no-ema',
      options: { sampler: 'ddim', numInferenceSteps: 1 },
      weights: 'ema',
    });
    expect((await waitFor('error', (e) => e.requestId === 'no-ema')).message).toMatch(
      /weights "ema" is not available: this run has no EMA \(training.useEma is off\)/,
    );
    await send({ type: 'reset', runId: 'n' });
  });

  it('resumes from a checkpoint exactly: the losses after resuming equal an uninterrupted run’s', async () => {
    const store = new MemoryCheckpointStore();
    const a = await setup({ store });
    await a.send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await a.waitFor('datasetLoaded');
    const cfg = config({ training: { targetSteps: 2 } });
    await a.send({ type: 'train', runId: 'run', config: cfg });
    await a.waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    await a.send({ type: 'setTargetStep', runId: 'run', targetStep: 4 });
    await a.send({ type: 'resume', runId: 'run' });
    await a.waitFor('trainState', (e) => e.reason?.code === 'target-reached' && e.step === 4);
    const uninterrupted = losses(a.of('trainProgress').flatMap((p) => p.metrics.points));

    // A fresh worker (a reloaded page) with the same storage.
    const b = await setup({ store });
    await b.send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await b.waitFor('datasetLoaded');
    await b.send({ type: 'listCheckpoints' });
    const [saved] = (await b.waitFor('checkpoints')).checkpoints;
    expect(saved.step).toBe(4);
    const [atTwo] = a.of('checkpointSaved').map((e) => e.checkpoint);
    expect(atTwo.step).toBe(2);
    expect(saved.id).not.toBe(atTwo.id); // the run's latest replaced the step-2 record
    // Resume from step 4's checkpoint and go to 6; separately, train an uninterrupted run to 6.
    await b.send({ type: 'train', runId: 'run', config: saved.config, resume: saved.id });
    await b.waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    expect((await b.waitFor('trainHistory')).points.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    await b.send({ type: 'setTargetStep', runId: 'run', targetStep: 6 });
    await b.send({ type: 'resume', runId: 'run' });
    await b.waitFor('trainState', (e) => e.reason?.code === 'target-reached' && e.step === 6);
    const resumed = losses(b.of('trainProgress').flatMap((p) => p.metrics.points));

    await a.send({ type: 'setTargetStep', runId: 'run', targetStep: 6 });
    await a.send({ type: 'resume', runId: 'run' });
    await a.waitFor('trainState', (e) => e.reason?.code === 'target-reached' && e.step === 6);
    const straight = losses(a.of('trainProgress').flatMap((p) => p.metrics.points));
    for (const step of [5, 6]) expect(resumed.get(step)).toBe(straight.get(step));
    expect(uninterrupted.size).toBe(4);
  });
});

describe('training controller: a checkpoint that does not fit', () => {
  /** A stored checkpoint of a 2-step run, and the controller that trained it (stopped). */
  async function trained() {
    const store = new MemoryCheckpointStore();
    const t = await setup({ store });
    await t.send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await t.waitFor('datasetLoaded');
    await t.send({ type: 'train', runId: 'run', config: config({ training: { targetSteps: 2 } }) });
    await t.waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    const [saved] = t.of('checkpointSaved').map((e) => e.checkpoint);
    await t.send({ type: 'stop', runId: 'run' });
    return { ...t, store, saved, decoded: decodeCheckpoint(await store.load(saved.id)) };
  }

  /** Stores an edited copy of the checkpoint and tries to resume from it; returns the error and tensor growth. */
  async function resumeEdited(
    t: Awaited<ReturnType<typeof trained>>,
    edit: (c: ReturnType<typeof decodeCheckpoint>) => void,
  ) {
    const copy = decodeCheckpoint(await t.store.load(t.saved.id));
    edit(copy);
    const { format: _f, version: _v, trainer: _t, ...meta } = copy.meta;
    const info = await t.store.save(
      { runId: 'edited', step: copy.meta.step, savedAt: 1, backend: 'cpu', config: copy.meta.config },
      encodeCheckpoint({ ...meta, runId: 'edited', savedAt: 1 }, copy.state),
    );
    const before = tf.memory().numTensors;
    const errors = t.of('error').length;
    await t.send({ type: 'train', runId: 'r2', config: copy.meta.config, resume: info.id });
    return { error: t.of('error')[errors], grown: tf.memory().numTensors - before };
  }

  it('refuses an order cursor past the dataset before building a trainer', async () => {
    const t = await trained();
    const { error, grown } = await resumeEdited(t, (c) => {
      c.state.order = { epoch: 0, cursor: 99_999_999 };
    });
    expect(error).toMatchObject({ runId: 'r2', code: 'checkpoint' });
    expect(error.message).toMatch(/checkpoint order cursor 99999999 lies past the 8 images of the dataset/);
    expect(grown).toBe(0);
  });

  it('a resume that fails inside the restore frees the trainer it built', async () => {
    const t = await trained();
    const { error, grown } = await resumeEdited(t, (c) => {
      // Same number of values, another shape: only the trainer's own restore can tell.
      const w = c.state.tensors.get('model/conv_in.weight')!;
      c.state.tensors.set('model/conv_in.weight', { shape: [w.data.length], data: w.data });
    });
    expect(error).toMatchObject({ runId: 'r2' });
    expect(error.message).toMatch(/conv_in\.weight has shape/);
    // The stopped run's last tensors go when a new run starts; the failed trainer's must go too.
    expect(grown).toBeLessThanOrEqual(0);
    expect(t.of('trainState').at(-1)).toMatchObject({ runId: 'r2', status: 'idle' });
  });
});

describe('training controller: controls and guards', () => {
  it('pauses promptly with a checkpoint, resumes, and refuses controls for another run', async () => {
    const { send, waitFor, of } = await setup();
    await send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await waitFor('datasetLoaded');
    await send({ type: 'train', runId: 'p', config: config({ training: { targetSteps: 1000 } }) });
    await waitFor('trainProgress');
    await send({ type: 'pause', runId: 'p' });
    const paused = await waitFor('trainState', (e) => e.status === 'paused');
    expect(paused.reason?.code).toBe('user');
    expect(paused.step).toBeLessThanOrEqual(of('trainProgress').at(-1)!.metrics.step + 2);
    expect((await waitFor('checkpointSaved')).checkpoint.step).toBe(paused.step);

    await send({ type: 'pause', runId: 'other' });
    expect((await waitFor('error')).code).toBe('no-run');
    await send({ type: 'train', runId: 'q', config: config() });
    expect((await waitFor('error', (e) => e.runId === 'q')).code).toBe('busy');

    await send({ type: 'resume', runId: 'p' });
    await waitFor('trainState', (e) => e.status === 'running' && e.reason?.code === 'resumed');
    await send({ type: 'reset', runId: 'p' });
    await waitFor('trainState', (e) => e.status === 'idle');
  });

  it('exports a running run between two steps, and the run trains on', async () => {
    const { send, waitFor, of } = await setup();
    await send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await waitFor('datasetLoaded');
    await send({ type: 'train', runId: 'x', config: config({ training: { targetSteps: 1000 } }) });
    await waitFor('trainProgress');
    await send({ type: 'exportRun', requestId: 'export', runId: 'x' });
    const exported = await waitFor('runExported');
    const { meta, state } = decodeCheckpoint(
      readZip(new Uint8Array(exported.bytes)).get('checkpoint.safetensors')!,
    );
    // Metadata, variables and optimiser all from one step: the export ran at a step boundary.
    expect(state.step).toBe(meta.step);
    expect(state.adamStep).toBe(state.step);
    expect(exported.fileName).toBe(`ddpm-run-x-step${meta.step}.zip`);
    const after = of('trainProgress').length;
    await waitFor('trainProgress', (e) => e.metrics.step > meta.step + 1, after);

    await send({ type: 'exportRun', requestId: 'pt', runId: 'x', format: 'pytorch' });
    const project = await waitFor('runExported', (e) => e.fileName.startsWith('ddpm-pytorch'));
    const folder = project.fileName.replace(/\.zip$/, '');
    const files = readZip(new Uint8Array(project.bytes));
    // One folder; the full file list is project.test.ts's.
    const names = [...files.keys()];
    expect(names.every((p) => p.startsWith(`${folder}/`))).toBe(true);
    for (const file of ['train.py', 'README.md', 'data/train.npz', 'run.json'])
      expect(names).toContain(`${folder}/${file}`);
    const torch = decodeTorchState(files.get(`${folder}/lab_state.safetensors`)!, 'lab_state.safetensors');
    expect(folder).toBe(`ddpm-pytorch-x-step${torch.meta.step}`);
    expect(torch.meta.adamStep).toBe(torch.meta.step);
    await send({ type: 'reset', runId: 'x' });
    await waitFor('trainState', (e) => e.status === 'idle');
  });

  it('says why it cannot start: no dataset, a bad config, a dataset smaller than the batch', async () => {
    const { send, waitFor } = await setup();
    await send({ type: 'train', runId: 'a', config: config() });
    expect(await waitFor('error', (e) => e.runId === 'a')).toMatchObject({
      code: 'dataset',
      message: expect.stringContaining('send loadDataset first'),
    });
    await send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await waitFor('datasetLoaded');
    await send({
      type: 'train',
      runId: 'b',
      config: { ...config(), training: { ...config().training, lr: -1 } },
    });
    expect(await waitFor('error', (e) => e.runId === 'b')).toMatchObject({
      code: 'bad-config',
      message: expect.stringContaining('training.lr = -1'),
    });
    await send({ type: 'train', runId: 'c', config: config({ data: { dataset: 'mnist' } }) });
    expect((await waitFor('error', (e) => e.runId === 'c')).message).toContain(
      'asks for dataset "mnist" but "files" is loaded',
    );
    await send({ type: 'train', runId: 'e', config: config({ training: { batchSize: 16 } }) });
    const state = await waitFor('trainState', (e) => e.runId === 'e');
    expect(state).toMatchObject({ status: 'idle', reason: { code: 'dataset-too-small' } });
    expect(state.reason?.message).toContain('8 training image(s), fewer than the batch size 16');
    expect(state.reason?.advice).toContain('Lower the batch size');
  });

  it('on a non-finite loss pauses, restores the last good state and says what to try', async () => {
    const { engine, send, waitFor } = await setup();
    await send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await waitFor('datasetLoaded');
    await send({
      type: 'train',
      runId: 'n',
      config: config({ training: { useEma: false, targetSteps: 1000 } }),
    });
    await waitFor('trainProgress');
    const bias = engine.modelSlot.current()!.model.variable('conv_out.bias');
    bias.assign(tf.fill(bias.shape, NaN));
    const state = await waitFor('trainState', (e) => e.reason?.code === 'non-finite');
    expect(state.status).toBe('paused');
    expect(state.step).toBe(0);
    expect(state.reason?.message).toMatch(/non-finite loss .*the last good state \(step 0\) was restored/);
    expect(state.reason?.advice).toContain('Lower the learning rate');
    expect(Array.from(await bias.data()).every(Number.isFinite)).toBe(true);
    await send({ type: 'reset', runId: 'n' });
  });

  it('when the GPU device is lost, resumes from the last checkpoint on the fallback backend', async () => {
    // As in the worker, device loss is known from the device's `lost` promise, not from the error.
    let deviceLost = false;
    const recoverFromDeviceLoss = async () => (deviceLost ? ((deviceLost = false), 'cpu') : null);
    const { engine, send, waitFor } = await setup({ recoverFromDeviceLoss });
    await send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await waitFor('datasetLoaded');
    await send({
      type: 'train',
      runId: 'g',
      config: config({ training: { useEma: false, targetSteps: 3 } }),
    });
    await waitFor('trainProgress');
    deviceLost = true;
    engine.modelSlot.current()!.model.variable('conv_in.weight').dispose();
    const lost = await waitFor('trainState', (e) => e.reason?.code === 'device-lost');
    expect(lost.reason?.message).toMatch(/GPU device was lost .*resuming from the last checkpoint on cpu/);
    await waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    expect(engine.modelSlot.current()!.model.variable('conv_in.weight').isDisposed).toBe(false);
    await send({ type: 'reset', runId: 'g' });
  });
});

describe('training controller: previews on a time cadence', () => {
  const previewSteps = async (clockStepMs: number) => {
    let t = 0;
    const { send, waitFor, of } = await setup({ now: () => (t += clockStepMs) });
    await send({ type: 'loadDataset', requestId: 'd', source: { kind: 'files', files: datasetFiles() } });
    await waitFor('datasetLoaded');
    // Every 1,000 steps: a run of 3 steps never reaches the step cadence.
    const training = { previewEverySteps: 1000, previewImages: 2, previewSteps: 2, targetSteps: 3 };
    await send({ type: 'train', runId: 'r', config: config({ training }) });
    await waitFor('trainState', (e) => e.reason?.code === 'target-reached');
    return of('trainPreview').map((e) => e.step);
  };

  it('previews after 30 s however few steps went by, and not before', async () => {
    // Each clock read 10 s later: a step reads it a few times, so 30 s pass within about a step.
    const slow = await previewSteps(10_000);
    expect(slow.length).toBeGreaterThan(0);
    expect(slow.every((s) => s >= 1 && s <= 3)).toBe(true);
    // A fast machine (1 ms per clock read) sees no preview before the step cadence.
    expect(await previewSteps(1)).toEqual([]);
  });
});
