import { routeEvent } from './events';
import { useConfig } from './configStore';
import { useLab } from './labStore';
import { useScore } from './scoreStore';
import { fakeClient } from './testClient';

function started(num = 32) {
  const client = fakeClient();
  useScore.setState({ status: { kind: 'idle' } });
  useConfig.getState().setField('sampling.seed', 7);
  useScore.getState().score(num);
  const cmd = client.sent[0];
  if (cmd.type !== 'score') throw new Error('expected a score command');
  return { client, runId: cmd.runId };
}

const score = { fcd: 12.5, classifierScore: 3.1, realClassifierScore: 8.9, n: 32 };

describe('useScore', () => {
  it('asks the worker for N DDIM samples with the Sample tab’s seed', () => {
    const { client } = started();
    expect(client.sent[0]).toMatchObject({
      type: 'score',
      options: { num: 32, seed: 7, sampling: { sampler: 'ddim', numInferenceSteps: 20, eta: 0 } },
    });
    useScore.getState().score(32);
    expect(client.sent).toHaveLength(1); // one score at a time
  });

  it('follows progress and keeps the result of its own run only', () => {
    const { runId } = started();
    routeEvent({ type: 'scoreProgress', runId, phase: 'sampling', done: 3, total: 20 });
    expect(useScore.getState().status).toMatchObject({ kind: 'running', phase: 'sampling', done: 3 });
    routeEvent({
      type: 'scoreDone',
      runId: 'someone-else',
      score,
      label: 'FCD',
      classifierCached: false,
      warnings: [],
      totalMs: 1,
    });
    expect(useScore.getState().status.kind).toBe('running');
    routeEvent({ type: 'scoreDone', runId, score, label: 'FCD — x', classifierCached: true, warnings: [], totalMs: 900 });
    expect(useScore.getState().status).toEqual({
      kind: 'done',
      score,
      label: 'FCD — x',
      classifierCached: true,
      warnings: [],
      totalMs: 900,
    });
  });

  it('shows its run’s errors and cancellation, and leaves other errors to the lab', () => {
    let { runId } = started();
    routeEvent({ type: 'error', runId, code: 'no-dataset', message: 'Load a dataset first.' });
    expect(useScore.getState().status).toEqual({ kind: 'error', message: 'Load a dataset first.' });
    ({ runId } = started());
    useScore.getState().cancel();
    routeEvent({ type: 'error', runId, code: 'cancelled', message: 'cancelled' });
    expect(useScore.getState().status).toEqual({ kind: 'cancelled' });
    useLab.setState({ error: undefined });
    routeEvent({ type: 'error', runId: 'stale', code: 'internal', message: 'not ours' });
    expect(useScore.getState().status).toEqual({ kind: 'cancelled' });
  });
});
