import { routeEvent } from './events';
import { useLab } from './labStore';
import { useSample } from './sampleStore';
import { fakeClient } from './testClient';
import { useWeights } from './weightsStore';

beforeEach(() => {
  fakeClient();
  useLab.setState({ error: undefined, gpuCheck: { status: 'idle' } });
  useSample.setState({ status: { kind: 'idle' } });
  useWeights.setState({ importStatus: { kind: 'idle' }, exportStatus: { kind: 'idle' } });
});

describe('routeEvent', () => {
  it('gives a run’s error to the slice that started it', () => {
    useSample.setState({ status: { kind: 'running', runId: 's1', done: 0, total: 10 } });
    useWeights.setState({ exportStatus: { kind: 'working', runId: 'e1', what: 'the pipeline' } });
    routeEvent({
      type: 'error',
      runId: 'e1',
      code: 'export-refused',
      message: 'BatchNorm model: lab format only',
    });
    expect(useWeights.getState().exportStatus).toEqual({
      kind: 'error',
      message: 'BatchNorm model: lab format only',
    });
    expect(useSample.getState().status.kind).toBe('running');
    expect(useLab.getState().error).toBeUndefined();
  });

  it('shows an error nobody owns as the lab’s error', () => {
    routeEvent({ type: 'error', runId: 'gone', code: 'internal', message: 'stale run' });
    expect(useLab.getState().error).toBe('stale run');
    routeEvent({ type: 'error', code: 'protocol-version', message: 'page and worker differ' });
    expect(useLab.getState().error).toBe('page and worker differ');
  });

  it('routes a GPU-check failure to the check', () => {
    useLab.setState({ gpuCheck: { status: 'running', runId: 'g1' } });
    routeEvent({ type: 'error', runId: 'g1', code: 'backend', message: 'device lost' });
    expect(useLab.getState().gpuCheck).toEqual({ status: 'failed', message: 'device lost' });
  });
});
