import { useDataset } from './datasetStore';
import { routeEvent } from './events';
import { useLab } from './labStore';
import { useSample } from './sampleStore';
import { useTrain } from './trainStore';
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

describe('routeEvent and training', () => {
  it('gives a failed dataset load its own message and keeps the lab error clear', () => {
    useDataset.setState({
      status: { kind: 'loading', runId: 'd1', name: 'notes.txt', bytesDone: 0, bytesTotal: 13 },
    });
    routeEvent({ type: 'error', runId: 'd1', code: 'dataset', message: 'notes.txt: holds no usable images' });
    expect(useDataset.getState().status).toEqual({
      kind: 'error',
      message: 'notes.txt: holds no usable images',
    });
    expect(useLab.getState().error).toBeUndefined();
  });

  it('gives a training run’s error to the run', () => {
    useTrain.setState({ runId: 't1', error: undefined });
    routeEvent({
      type: 'error',
      runId: 't1',
      code: 'bad-config',
      message: 'training.batchSize = 0 is not allowed',
    });
    expect(useTrain.getState().error).toBe('training.batchSize = 0 is not allowed');
  });

  it('asks for the saved checkpoints once the worker is ready', () => {
    const client = fakeClient();
    routeEvent({
      type: 'ready',
      protocolVersion: 2,
      backend: { name: 'webgpu', requested: 'auto', fallbackReasons: [] },
    });
    expect(client.sent).toContainEqual({ type: 'listCheckpoints' });
  });
});
