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

/** Sends an import and answers it with `checkpoint`; returns the commands sent. */
async function imported(info: CheckpointInfo) {
  const client = fakeClient();
  await useRunImport.getState().importRun(zipFile);
  const runId = (client.sent[0] as { runId: string }).runId;
  routeEvent({ type: 'runImported', runId, checkpoint: info });
  return client.sent;
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
    await useRunImport.getState().importRun(zipFile);
    expect(client.sent[0]).toMatchObject({ type: 'importRun', bytes: expect.any(ArrayBuffer) });
    expect(client.transfers[0]).toHaveLength(1);
    expect(useRunImport.getState().status).toMatchObject({ kind: 'working', name: zipFile.name });
  });

  it('applies the imported config and loads its built-in dataset', async () => {
    const config = applyOverrides(presetRunConfig('tiny'), { training: { lr: 0.002 } });
    const sent = await imported(checkpoint(config));
    expect(useConfig.getState().valid).toEqual(config);
    expect(sent[1]).toMatchObject({ type: 'loadDataset', source: { kind: 'builtin', id: 'shapes' } });
    expect(useRunImport.getState().status).toMatchObject({ kind: 'done', dataset: undefined });
  });

  it('says which dataset to drop when it does not ship with the lab', async () => {
    const sent = await imported(checkpoint(presetRunConfig('paper')));
    expect(sent).toHaveLength(1);
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
    await useRunImport.getState().importRun(zipFile);
    const runId = (client.sent[0] as { runId: string }).runId;
    routeEvent({ type: 'error', runId, code: 'storage-full', message: 'importRun: storage is full' });
    expect(useRunImport.getState().status).toEqual({ kind: 'error', message: 'importRun: storage is full' });
    expect(useHealth.getState().storageFull).toBeUndefined();
    routeEvent({ type: 'error', runId: 'autosave', code: 'storage-full', message: 'autosave failed' });
    expect(useHealth.getState().storageFull).toBe('autosave failed');
  });
});
