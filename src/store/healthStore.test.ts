import { presetRunConfig } from '../config';
import type { BackendInfo, CheckpointInfo, DatasetInfo } from '../worker/protocol';
import { useDataset } from './datasetStore';
import { routeEvent, routeWorkerExit } from './events';
import { useHealth } from './healthStore';
import { useLab } from './labStore';
import { useMetrics } from './metricsStore';
import { fakeClient } from './testClient';
import { useTrain } from './trainStore';

const webgpu: BackendInfo = { name: 'webgpu', requested: 'auto', fallbackReasons: [] };
const tiny = presetRunConfig('tiny');
const saved = (runId: string, step: number): CheckpointInfo => ({
  id: `${runId}@${step}`,
  runId,
  step,
  savedAt: step,
  bytes: 10,
  backend: 'webgpu',
  config: tiny,
});
const digits: DatasetInfo = {
  id: 'files',
  name: 'digits',
  summary: { train: { images: 8, height: 8, width: 8, channels: 1, per_class: { '0': 8 } } },
  classNames: ['0'],
  allowsFlip: false,
  height: 8,
  width: 8,
  channels: 1,
};
const flush = () => new Promise((r) => setTimeout(r, 0));

type Worker = ReturnType<typeof fakeClient>;

/** Each worker the lab starts records its commands and requests; reconnect starts the next one, not yet ready. */
function workers(): Worker[] {
  const all: Worker[] = [];
  const next = () => all.push(fakeClient());
  next();
  useLab.setState({
    backend: webgpu,
    error: undefined,
    reconnect: () => {
      next();
      useLab.setState({ backend: undefined, error: undefined });
    },
  });
  return all;
}

/** Loads a dropped dataset into the current worker, the way the page does. */
async function loadDigits(worker: Worker): Promise<void> {
  await flush();
  const load = () => worker.requests.find((r) => r.command.type === 'loadDataset');
  if (!load()) {
    void useDataset
      .getState()
      .loadFiles([{ name: 'digits.zip', webkitRelativePath: '', arrayBuffer: async () => new ArrayBuffer(4) }]);
    await flush();
  }
  const pixels = { count: 0, height: 8, width: 8, channels: 1 as const, data: new Uint8Array(0) };
  await load()!.resolve({ type: 'datasetLoaded', requestId: 'd', dataset: digits, preview: pixels, warnings: [] });
}

beforeEach(() => {
  useHealth.setState({ worker: { kind: 'ok' }, storageFull: undefined });
  useDataset.setState({ active: undefined, status: { kind: 'idle' }, selected: [], reshuffling: false });
  useTrain.setState({ runId: undefined, status: 'idle', reason: null, error: undefined, checkpoints: [] });
  useMetrics.getState().clear();
});

describe('restart after the worker ended', () => {
  it('shakes hands, reloads the dataset, then resumes the run from its last checkpoint, in that order', async () => {
    const started = workers();
    await loadDigits(started[0]);
    useTrain.setState({
      runId: 'r',
      status: 'running',
      checkpoints: [saved('r', 4), saved('other', 9), saved('r', 8)],
    });
    useHealth.getState().onWorkerExit();
    expect(useHealth.getState().worker).toMatchObject({ kind: 'stopped', checkpoint: { id: 'r@8' } });

    const restart = useHealth.getState().restart();
    await flush();
    expect(started).toHaveLength(2);
    expect(started[1].sent).toEqual([]);
    expect(useHealth.getState().worker).toEqual({ kind: 'restarting', phase: 'starting a new worker' });

    routeEvent({ type: 'ready', protocolVersion: 1, backend: webgpu });
    await flush();
    expect(started[1].sent.map((c) => c.type)).toEqual(['listCheckpoints']);
    expect(started[1].requests.map((r) => r.command.type)).toEqual(['loadDataset']);
    expect(useHealth.getState().worker).toEqual({ kind: 'restarting', phase: 'reloading the dataset' });

    await loadDigits(started[1]);
    await restart;
    expect(started[1].sent.at(-1)).toEqual({ type: 'train', runId: 'r', config: tiny, resume: 'r@8' });
    expect(useTrain.getState()).toMatchObject({ runId: 'r', status: 'starting' });
    expect(useHealth.getState().worker).toEqual({ kind: 'ok' });
  });

  it(
    'offers rather than starts a paused run, and explains a run that had no checkpoint yet',
    { timeout: 5000 },
    async () => {
      let started = workers();
      await loadDigits(started[0]);
      useTrain.setState({ runId: 'r', status: 'paused', checkpoints: [saved('r', 4)] });
      useHealth.getState().onWorkerExit();
      let restart = useHealth.getState().restart();
      routeEvent({ type: 'ready', protocolVersion: 1, backend: webgpu });
      await loadDigits(started[1]);
      await restart;
      expect(started[1].sent.some((c) => c.type === 'train')).toBe(false);
      expect(useTrain.getState()).toMatchObject({ runId: undefined, status: 'idle', reason: null });

      started = workers();
      useTrain.setState({ runId: 'fresh', status: 'running' });
      useHealth.getState().onWorkerExit();
      restart = useHealth.getState().restart();
      routeEvent({ type: 'ready', protocolVersion: 1, backend: webgpu });
      await loadDigits(started[1]);
      await restart;
      expect(started[1].sent.some((c) => c.type === 'train')).toBe(false);
      expect(useTrain.getState().reason?.message).toMatch(/before its first checkpoint/);
    },
  );

  it('reports a new worker that cannot start, and can be tried again', async () => {
    workers();
    useTrain.setState({ runId: 'r', status: 'running' });
    useHealth.getState().onWorkerExit();
    const restart = useHealth.getState().restart();
    routeEvent({ type: 'error', code: 'backend', message: 'No tfjs backend could be initialised' });
    await restart;
    expect(useHealth.getState().worker).toEqual({
      kind: 'failed',
      message: 'No tfjs backend could be initialised',
    });
  });
});

describe('worker health events', () => {
  it('offers a restart when the worker ended (its requests fail in the client), and keeps the lab error clear', () => {
    workers();
    routeWorkerExit();
    expect(useHealth.getState().worker.kind).toBe('stopped');
    expect(useLab.getState().error).toBeUndefined();
  });

  it('shows a full storage until a save succeeds', () => {
    workers();
    const message =
      'autosave failed: storage is full (QuotaExceededError); training continues; export the run to keep it';
    routeEvent({ type: 'error', runId: 'r', code: 'storage-full', message });
    expect(useHealth.getState().storageFull).toBe(message);
    expect(useLab.getState().error).toBeUndefined();
    routeEvent({ type: 'checkpointSaved', runId: 'r', checkpoint: saved('r', 12) });
    expect(useHealth.getState().storageFull).toBeUndefined();
  });

  it('moves the badge to the fallback backend with the reason when the GPU is lost', () => {
    workers();
    useTrain.setState({ runId: 'r', status: 'running' });
    const message = 'The GPU device was lost (device destroyed); resuming from the last checkpoint on webgl.';
    routeEvent({
      type: 'trainState',
      runId: 'r',
      status: 'running',
      reason: { code: 'device-lost', message },
      step: 6,
      targetStep: 10,
      backend: 'webgl',
    });
    expect(useLab.getState().backend).toEqual({
      name: 'webgl',
      requested: 'auto',
      adapter: undefined,
      fallbackReasons: [message],
    });
  });
});
