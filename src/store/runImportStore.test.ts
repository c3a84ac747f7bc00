import { applyOverrides, presetRunConfig, type RunConfig } from '../config';
import type { CheckpointInfo } from '../worker/protocol';
import { useConfig } from './configStore';
import { useDataset } from './datasetStore';
import { routeEvent } from './events';
import { useHealth } from './healthStore';
import { useRunImport } from './runImportStore';
import { fakeClient } from './testClient';
import { useTrain } from './trainStore';

const zipFile = {
  name: 'ddpm-run-abc-step4.zip',
  arrayBuffer: async () => new Uint8Array([80, 75, 5, 6]).buffer,
};

function checkpoint(config: RunConfig): CheckpointInfo {
  return { id: 'abc@4@9', runId: 'abc', step: 4, savedAt: 9, bytes: 100, backend: 'webgpu', config };
}

/** Lets the store read the file and send its request. */
const tick = () => new Promise((r) => setTimeout(r, 0));

/** Sends an import and answers it with `checkpoint`; returns the requests made. */
async function imported(info: CheckpointInfo) {
  const client = fakeClient();
  const done = useRunImport.getState().importRun(zipFile);
  await tick();
  await client.requests[0].resolve({ type: 'runImported', requestId: 'i', checkpoint: info });
  await done;
  return client.requests;
}

beforeAll(() => {
  // The built-in datasets are fetched relative to the page.
  vi.stubGlobal('document', { baseURI: 'http://lab.test/' });
});
afterAll(() => vi.unstubAllGlobals());

beforeEach(() => {
  useRunImport.setState({ status: { kind: 'idle' } });
  useTrain.setState({ runId: undefined, status: 'idle', reason: null, error: undefined });
  useDataset.setState({ active: undefined, status: { kind: 'idle' } });
  useHealth.setState({ storageFull: undefined });
});

describe('useRunImport', () => {
  it('sends the zip, transferring its bytes', async () => {
    const client = fakeClient();
    void useRunImport.getState().importRun(zipFile);
    await tick();
    expect(client.requests[0].command).toMatchObject({ type: 'importRun', bytes: expect.any(ArrayBuffer) });
    expect(client.requests[0].transfer).toHaveLength(1);
    expect(useRunImport.getState().status).toMatchObject({ kind: 'running', name: zipFile.name });
  });

  it('applies the imported config and loads its built-in dataset', async () => {
    const config = applyOverrides(presetRunConfig('tiny'), { training: { lr: 0.002 } });
    const requests = await imported(checkpoint(config));
    expect(useConfig.getState().valid).toEqual(config);
    expect(requests[1].command).toMatchObject({ type: 'loadDataset', source: { kind: 'builtin', id: 'shapes' } });
    expect(useRunImport.getState().status).toMatchObject({ kind: 'done', dataset: undefined });
  });

  it('says which dataset to drop when it does not ship with the lab', async () => {
    const requests = await imported(checkpoint(presetRunConfig('paper')));
    expect(requests).toHaveLength(1);
    expect(useRunImport.getState().status).toMatchObject({
      kind: 'done',
      dataset: 'The run trains on "cifar10": drop its files on the Data tab before resuming.',
    });
  });

  it('lets a stopped run give way so Resume offers the import', async () => {
    useTrain.setState({ runId: 'old', status: 'stopped' });
    await imported(checkpoint(presetRunConfig('paper')));
    expect(useTrain.getState()).toMatchObject({ runId: undefined, status: 'idle' });
  });

  it('shows a full storage during the import on the import, not as the autosave banner', async () => {
    const client = fakeClient();
    const done = useRunImport.getState().importRun(zipFile);
    await tick();
    await client.requests[0].reject('storage-full', 'importRun: storage is full');
    await done;
    expect(useRunImport.getState().status).toEqual({ kind: 'failed', message: 'importRun: storage is full' });
    expect(useHealth.getState().storageFull).toBeUndefined();
    routeEvent({ type: 'error', runId: 'autosave', code: 'storage-full', message: 'autosave failed' });
    expect(useHealth.getState().storageFull).toBe('autosave failed');
  });
});
