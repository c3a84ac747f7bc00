import { useConfig } from './configStore';
import { useScore } from './scoreStore';
import { fakeClient } from './testClient';

function started(num = 32) {
  const client = fakeClient();
  useScore.setState({ status: { kind: 'idle' } });
  useConfig.getState().setField('sampling.seed', 7);
  const done = useScore.getState().score(num);
  return { client, request: client.requests[0], done };
}

const score = { fcd: 12.5, classifierScore: 3.1, realClassifierScore: 8.9, n: 32 };

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
    await request.resolve({
      type: 'scoreDone',
      requestId,
      score,
      label: 'FCD — x',
      classifierCached: true,
      warnings: [],
      totalMs: 900,
    });
    await done;
    expect(useScore.getState().status).toEqual({
      kind: 'done',
      score,
      label: 'FCD — x',
      classifierCached: true,
      warnings: [],
      totalMs: 900,
    });
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
