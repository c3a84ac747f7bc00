import { routeEvent } from './events';
import { useHealth } from './healthStore';
import { useLab } from './labStore';
import { useTrain } from './trainStore';
import { fakeClient } from './testClient';
import { useWeights } from './weightsStore';
import type { ModelSummary } from '../worker/protocol';

beforeEach(() => {
  fakeClient();
  useLab.setState({ error: undefined });
  useHealth.setState({ storageFull: undefined });
  useTrain.setState({ runId: undefined, error: undefined });
});

describe('routeEvent (what is not the answer to a request)', () => {
  it('gives the training run’s error to the run', () => {
    useTrain.setState({ runId: 't1', error: undefined });
    routeEvent({ type: 'error', runId: 't1', code: 'bad-config', message: 'training.batchSize = 0 is not allowed' });
    expect(useTrain.getState().error).toBe('training.batchSize = 0 is not allowed');
    expect(useLab.getState().error).toBeUndefined();
  });

  it('shows an error of no request and of no current run as the lab’s error', () => {
    routeEvent({ type: 'error', runId: 'gone', code: 'no-run', message: 'stale run' });
    expect(useLab.getState().error).toBe('stale run');
    routeEvent({ type: 'error', code: 'protocol-version', message: 'page and worker differ' });
    expect(useLab.getState().error).toBe('page and worker differ');
  });

  it('puts an autosave that did not fit on the banner', () => {
    useTrain.setState({ runId: 'r' });
    routeEvent({ type: 'error', runId: 'r', code: 'storage-full', message: 'autosave failed' });
    expect(useHealth.getState().storageFull).toBe('autosave failed');
    expect(useTrain.getState().error).toBeUndefined();
  });

  it('shows the model a training run put in the slot', () => {
    const model = { origin: 'trained', parameterCount: 5 } as unknown as ModelSummary;
    routeEvent({ type: 'modelLoaded', model });
    expect(useWeights.getState().model).toBe(model);
  });

  it('asks for the saved checkpoints once the worker is ready', () => {
    const client = fakeClient();
    routeEvent({
      type: 'ready',
      protocolVersion: 4,
      backend: { name: 'webgpu', requested: 'auto', fallbackReasons: [] },
    });
    expect(client.sent).toContainEqual({ type: 'listCheckpoints' });
    expect(useLab.getState().backend?.name).toBe('webgpu');
  });
});
