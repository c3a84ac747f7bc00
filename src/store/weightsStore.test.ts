import type { ModelSummary } from '../worker/protocol';
import { fakeClient } from './testClient';
import { useUi } from './uiStore';
import { describeFiles, useWeights } from './weightsStore';

const file = (name: string, bytes: number[], webkitRelativePath = '') => ({
  name,
  webkitRelativePath,
  arrayBuffer: async () => new Uint8Array(bytes).buffer,
});

const summary: ModelSummary = {
  origin: 'imported',
  source: ['pipe.zip'],
  config: {
    sample_size: 16,
    in_channels: 3,
    out_channels: 3,
    block_out_channels: [32, 64],
    layers_per_block: 1,
    down_block_types: [],
    up_block_types: [],
  },
  parameterCount: 700_000,
  diffusersCompatible: true,
  scheduler: null,
  weights: [],
  warnings: [],
};

beforeEach(() =>
  useWeights.setState({
    model: undefined,
    importStatus: { kind: 'idle' },
    exportStatus: { kind: 'idle' },
    lastExport: undefined,
  }),
);

/** Lets the store read the files and send its request. */
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('useWeights import', () => {
  it('sends the files with their folder paths, transferring the bytes', async () => {
    const client = fakeClient();
    void useWeights
      .getState()
      .importFiles([
        file('config.json', [1], 'ddpm/unet/config.json'),
        file('w.safetensors', [2, 3], 'ddpm/unet/w.safetensors'),
      ]);
    await tick();
    const { command, transfer } = client.requests[0];
    expect(command.type).toBe('importModel');
    expect((command.files as { name: string }[]).map((f) => f.name)).toEqual([
      'ddpm/unet/config.json',
      'ddpm/unet/w.safetensors',
    ]);
    expect(transfer).toHaveLength(2);
    expect(useWeights.getState().importStatus).toMatchObject({ kind: 'running', name: 'folder ddpm' });
  });

  it('on success shows the model and opens the Sample tab', async () => {
    const client = fakeClient();
    useUi.getState().setTab('weights');
    void useWeights.getState().importFiles([file('pipe.zip', [1])]);
    await tick();
    await client.requests[0].resolve({ type: 'modelLoaded', requestId: 'i', model: summary });
    expect(useWeights.getState().model?.parameterCount).toBe(700_000);
    expect(useWeights.getState().importStatus.kind).toBe('idle');
    expect(useUi.getState().tab).toBe('sample');
  });

  it('keeps the previous model and shows the reason when an import fails', async () => {
    const client = fakeClient();
    useWeights.setState({ model: summary });
    void useWeights.getState().importFiles([file('bad.safetensors', [0])]);
    await tick();
    await client.requests[0].reject('bad-model', 'unet: missing conv_in.weight');
    expect(useWeights.getState().importStatus).toEqual({
      kind: 'failed',
      message: 'unet: missing conv_in.weight',
    });
    expect(useWeights.getState().model).toBe(summary);
  });

  it('a model set by training updates the summary without touching the import state', () => {
    useWeights.getState().onModel({ ...summary, origin: 'trained' });
    expect(useWeights.getState().model?.origin).toBe('trained');
    expect(useWeights.getState().importStatus.kind).toBe('idle');
  });
});

describe('useWeights export', () => {
  it('keeps the exported bytes and says what it wrote', async () => {
    const client = fakeClient();
    void useWeights.getState().exportPipeline();
    expect(useWeights.getState().exportStatus).toEqual({ kind: 'running', what: 'the diffusers pipeline' });
    await client.requests[0].resolve({
      type: 'exportReady',
      requestId: 'e',
      fileName: 'ddpm.zip',
      bytes: new ArrayBuffer(4),
    });
    expect(useWeights.getState().exportStatus).toEqual({ kind: 'done', fileName: 'ddpm.zip', bytes: 4 });
    expect(useWeights.getState().lastExport?.bytes).toHaveLength(4);
  });

  it('shows why an export was refused', async () => {
    const client = fakeClient();
    void useWeights.getState().exportPipeline();
    await client.requests[0].reject('export-refused', 'BatchNorm model: lab format only');
    expect(useWeights.getState().exportStatus).toEqual({
      kind: 'failed',
      message: 'BatchNorm model: lab format only',
    });
  });
});

describe('describeFiles', () => {
  it('names a folder, one file, or counts', () => {
    expect(describeFiles([file('a', [], 'pipe/a')])).toBe('folder pipe');
    expect(describeFiles([file('model.zip', [])])).toBe('model.zip');
    expect(describeFiles([file('a', []), file('b', [])])).toBe('2 files');
  });
});
