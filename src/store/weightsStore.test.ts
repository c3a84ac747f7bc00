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

describe('useWeights import', () => {
  it('sends the files with their folder paths, transferring the bytes', async () => {
    const client = fakeClient();
    await useWeights
      .getState()
      .importFiles([
        file('config.json', [1], 'ddpm/unet/config.json'),
        file('w.safetensors', [2, 3], 'ddpm/unet/w.safetensors'),
      ]);
    const cmd = client.sent[0];
    expect(cmd.type).toBe('importModel');
    if (cmd.type !== 'importModel') return;
    expect(cmd.files.map((f) => f.name)).toEqual(['ddpm/unet/config.json', 'ddpm/unet/w.safetensors']);
    expect(client.transfers[0]).toHaveLength(2);
    expect(useWeights.getState().importStatus).toMatchObject({ kind: 'working', name: 'folder ddpm' });
  });

  it('on success shows the model and opens the Sample tab', async () => {
    const client = fakeClient();
    useUi.getState().setTab('weights');
    await useWeights.getState().importFiles([file('pipe.zip', [1])]);
    const runId = (client.sent[0] as { runId: string }).runId;
    useWeights.getState().onEvent({ type: 'modelLoaded', runId, model: summary });
    expect(useWeights.getState().model?.parameterCount).toBe(700_000);
    expect(useWeights.getState().importStatus.kind).toBe('idle');
    expect(useUi.getState().tab).toBe('sample');
  });

  it('keeps the previous model and shows the reason when an import fails', async () => {
    const client = fakeClient();
    useWeights.setState({ model: summary });
    await useWeights.getState().importFiles([file('bad.safetensors', [0])]);
    const runId = (client.sent[0] as { runId: string }).runId;
    expect(useWeights.getState().onError(runId, 'unet: missing conv_in.weight')).toBe(true);
    expect(useWeights.getState().importStatus).toEqual({
      kind: 'error',
      message: 'unet: missing conv_in.weight',
    });
    expect(useWeights.getState().model).toBe(summary);
  });

  it('a model set by training updates the summary without touching the import state', () => {
    useWeights
      .getState()
      .onEvent({ type: 'modelLoaded', runId: 'train-1', model: { ...summary, origin: 'trained' } });
    expect(useWeights.getState().model?.origin).toBe('trained');
    expect(useWeights.getState().importStatus.kind).toBe('idle');
  });
});

describe('useWeights export', () => {
  it('keeps the exported bytes of its own run only', () => {
    const client = fakeClient();
    useWeights.getState().exportPipeline();
    const runId = (client.sent[0] as { runId: string }).runId;
    useWeights
      .getState()
      .onEvent({ type: 'exportReady', runId: 'other', fileName: 'x.zip', bytes: new ArrayBuffer(1) });
    expect(useWeights.getState().lastExport).toBeUndefined();
    useWeights
      .getState()
      .onEvent({ type: 'exportReady', runId, fileName: 'ddpm.zip', bytes: new ArrayBuffer(4) });
    expect(useWeights.getState().exportStatus).toEqual({ kind: 'done', fileName: 'ddpm.zip', bytes: 4 });
    expect(useWeights.getState().lastExport?.bytes).toHaveLength(4);
  });
});

describe('describeFiles', () => {
  it('names a folder, one file, or counts', () => {
    expect(describeFiles([file('a', [], 'pipe/a')])).toBe('folder pipe');
    expect(describeFiles([file('model.zip', [])])).toBe('model.zip');
    expect(describeFiles([file('a', []), file('b', [])])).toBe('2 files');
  });
});
