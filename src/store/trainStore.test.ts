import { presetRunConfig } from '../config';
import type { CheckpointInfo } from '../worker/protocol';
import { useConfig } from './configStore';
import { useMetrics } from './metricsStore';
import { fakeClient } from './testClient';
import { latestCheckpoint, useTrain } from './trainStore';

const tiny = presetRunConfig('tiny');
const checkpoint = (id: string, step: number, savedAt: number): CheckpointInfo => ({
  id,
  runId: `run-${id}`,
  step,
  savedAt,
  bytes: 1000,
  backend: 'webgpu',
  config: { ...tiny, training: { ...tiny.training, batchSize: 2 } },
});

// The store as created, to start every test from it.
const initialTrain = useTrain.getState();

beforeEach(() => {
  useTrain.setState(initialTrain, true);
  useMetrics.getState().clear();
});

describe('useTrain', () => {
  it('starts a run with the config and steers it with its run id', () => {
    const client = fakeClient();
    useTrain.getState().train(tiny);
    const start = client.sent[0] as { type: string; runId: string; config: unknown };
    expect(start).toMatchObject({ type: 'train', config: tiny });
    expect(useTrain.getState().status).toBe('starting');
    useTrain.getState().pause();
    useTrain.getState().setTargetStep(50);
    expect(client.sent.slice(1)).toEqual([
      { type: 'pause', runId: start.runId },
      { type: 'setTargetStep', runId: start.runId, targetStep: 50 },
    ]);
  });

  it('goes back to a usable state when the run fails to start, and shows why', () => {
    fakeClient();
    useTrain.getState().train(tiny);
    const runId = useTrain.getState().runId!;
    useTrain.getState().onError(runId, 'mnist has 1 channel(s) but the model takes in_channels = 3');
    expect(useTrain.getState()).toMatchObject({
      status: 'idle',
      runId: undefined,
      error: 'mnist has 1 channel(s) but the model takes in_channels = 3',
    });
    // Train again clears the message.
    useTrain.getState().train(tiny);
    expect(useTrain.getState()).toMatchObject({ status: 'starting', error: undefined });
  });

  it('keeps a running run running when one of its commands fails', () => {
    fakeClient();
    useTrain.getState().train(tiny);
    const runId = useTrain.getState().runId!;
    useTrain.getState().onEvent({
      type: 'trainState',
      runId,
      status: 'running',
      reason: null,
      step: 3,
      targetStep: 10,
      backend: 'webgpu',
    });
    useTrain.getState().onError(runId, 'setTargetStep: 5 is below the current step');
    expect(useTrain.getState()).toMatchObject({
      status: 'running',
      runId,
      error: 'setTargetStep: 5 is below the current step',
    });
  });

  it('follows the worker’s state, with the reason, and ignores other runs', () => {
    fakeClient();
    useTrain.getState().train(tiny);
    const runId = useTrain.getState().runId!;
    const reason = {
      code: 'non-finite' as const,
      message: 'the loss became NaN at step 12',
      advice: 'lower the learning rate',
    };
    useTrain.getState().onEvent({
      type: 'trainState',
      runId: 'old',
      status: 'running',
      reason: null,
      step: 0,
      targetStep: 10,
      backend: 'webgpu',
    });
    expect(useTrain.getState().status).toBe('starting');
    useTrain.getState().onEvent({
      type: 'trainState',
      runId,
      status: 'paused',
      reason,
      step: 12,
      targetStep: 10,
      backend: 'webgpu',
    });
    expect(useTrain.getState()).toMatchObject({ status: 'paused', reason });
  });

  it('offers the newest checkpoint and resumes it with its own run id and config', () => {
    const client = fakeClient();
    const older = checkpoint('a', 3, 1000);
    const newer = checkpoint('b', 5, 2000);
    useTrain.getState().onEvent({ type: 'checkpoints', checkpoints: [newer, older] });
    expect(latestCheckpoint(useTrain.getState().checkpoints)).toBe(newer);
    useTrain.getState().resumeFrom(newer);
    expect(client.sent[0]).toEqual({ type: 'train', runId: 'run-b', config: newer.config, resume: 'b' });
    expect(useConfig.getState().valid.training.batchSize).toBe(2);
    expect(useTrain.getState().runId).toBe('run-b');
  });

  it('adds saved checkpoints to the list, replacing one with the same id', () => {
    useTrain.getState().onEvent({ type: 'checkpointSaved', runId: 'r', checkpoint: checkpoint('a', 3, 1) });
    useTrain.getState().onEvent({ type: 'checkpointSaved', runId: 'r', checkpoint: checkpoint('a', 4, 2) });
    expect(useTrain.getState().checkpoints.map((c) => c.step)).toEqual([4]);
  });

  it('exports the run it trains and reports a failed export', async () => {
    const client = fakeClient();
    useTrain.getState().train(tiny);
    const runId = useTrain.getState().runId;
    void useTrain.getState().exportRun();
    expect(client.requests[0].command).toEqual({ type: 'exportRun', runId, format: 'run' });
    expect(useTrain.getState().runExport).toEqual({ kind: 'running', format: 'run' });
    await client.requests[0].resolve({
      type: 'runExported',
      requestId: 'x',
      fileName: 'run.zip',
      bytes: new ArrayBuffer(3),
    });
    expect(useTrain.getState().runExport).toMatchObject({ kind: 'done', fileName: 'run.zip' });
    void useTrain.getState().exportRun();
    await client.requests[1].reject('no-run', 'no checkpoint yet');
    expect(useTrain.getState().runExport).toEqual({ kind: 'failed', message: 'no checkpoint yet' });
  });

  it('reset clears the run and its charts', () => {
    fakeClient();
    useTrain.getState().train(tiny);
    useMetrics.getState().restore([{ step: 1, loss: 1, smoothedLoss: 1, gradNorm: 1, lr: 1 }]);
    useTrain.getState().reset();
    expect(useTrain.getState()).toMatchObject({ runId: undefined, status: 'idle' });
    expect(useMetrics.getState().loss).toEqual([]);
  });
});
