import type { WorkerEvent } from '../worker/protocol';
import { useConfig } from './configStore';
import { useMetrics } from './metricsStore';
import { useScore } from './scoreStore';
import { fakeClient } from './testClient';
import { useTrain } from './trainStore';
import { useWeights } from './weightsStore';

function started(num = 32) {
  const client = fakeClient();
  useScore.setState({ status: { kind: 'idle' } });
  useConfig.getState().setField('sampling.seed', 7);
  const done = useScore.getState().score(num);
  return { client, request: client.requests[0], done };
}

const score = { fcd: 12.5, classifierScore: 3.1, realClassifierScore: 8.9, n: 32 };
const scoreDone: Extract<WorkerEvent, { type: 'scoreDone' }> = {
  type: 'scoreDone',
  requestId: 'q',
  score,
  label: 'FCD — x',
  classifierCached: true,
  warnings: [],
  totalMs: 900,
};

/** The worker's current model: trained by `runId`, or imported. */
function currentModel(runId: string | null): void {
  useWeights.setState({
    model: {
      origin: runId ? 'trained' : 'imported',
      source: runId ? [runId] : ['pipe.zip'],
      config: {
        sample_size: 8,
        in_channels: 1,
        out_channels: 1,
        block_out_channels: [8],
        layers_per_block: 1,
        down_block_types: ['DownBlock2D'],
        up_block_types: ['UpBlock2D'],
      },
      parameterCount: 1,
      diffusersCompatible: true,
      scheduler: null,
      weights: runId ? ['raw'] : [],
      warnings: [],
    },
  });
}

describe('useScore', () => {
  it('asks the worker for N DDIM samples with the Sample tab’s seed', () => {
    const { client, request } = started();
    expect(request.command).toMatchObject({
      type: 'score',
      options: { num: 32, seed: 7, sampling: { sampler: 'ddim', numInferenceSteps: 20, eta: 0 } },
    });
    void useScore.getState().score(32);
    expect(client.requests).toHaveLength(1); // one score at a time
  });

  it('follows its progress and keeps its result', async () => {
    const { request, done } = started();
    const requestId = 'q';
    request.progress({ type: 'scoreProgress', requestId, phase: 'sampling', done: 3, total: 20 });
    expect(useScore.getState().status).toMatchObject({ kind: 'running', phase: 'sampling', done: 3 });
    await request.resolve({ ...scoreDone, requestId });
    await done;
    expect(useScore.getState().status).toEqual({
      kind: 'done',
      score,
      label: 'FCD — x',
      classifierCached: true,
      warnings: [],
      totalMs: 900,
      run: null,
    });
  });

  it('names the training run whose model it scored, at the step it was asked for', async () => {
    useTrain.setState({ runId: 'run-a' });
    useMetrics.setState({ loss: [{ step: 40, loss: 0.1, smoothed: 0.1 }] });
    currentModel('run-a');
    let { request, done } = started();
    useMetrics.setState({ loss: [{ step: 41, loss: 0.1, smoothed: 0.1 }] }); // training goes on meanwhile
    await request.resolve(scoreDone);
    await done;
    expect(useScore.getState().status).toMatchObject({ kind: 'done', run: { runId: 'run-a', step: 40 } });
    // An imported pipeline, or a model of a run whose curve the page does not hold, names no run.
    for (const runId of [null, 'run-b']) {
      currentModel(runId);
      ({ request, done } = started());
      await request.resolve(scoreDone);
      await done;
      expect(useScore.getState().status).toMatchObject({ kind: 'done', run: null });
    }
  });

  it('shows the error its request failed with, and cancels through its signal', async () => {
    let { request } = started();
    await request.reject('no-dataset', 'Load a dataset first.');
    expect(useScore.getState().status).toEqual({ kind: 'failed', message: 'Load a dataset first.' });
    ({ request } = started());
    useScore.getState().cancel();
    expect(request.signal?.aborted).toBe(true);
    await request.reject('cancelled', 'score cancelled');
    expect(useScore.getState().status).toEqual({ kind: 'cancelled' });
  });
});
