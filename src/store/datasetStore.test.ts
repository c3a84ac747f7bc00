import type { DatasetInfo } from '../worker/protocol';
import { useConfig } from './configStore';
import { FORWARD_MAX, datasetView, useDataset } from './datasetStore';
import { fakeClient } from './testClient';

const info: DatasetInfo = {
  id: 'cifar10',
  name: 'cifar-10-binary-subset.tar.gz',
  summary: {
    train: { images: 10_000, height: 32, width: 32, channels: 3, per_class: { airplane: 6000, cat: 4000 } },
    test: { images: 2000, height: 32, width: 32, channels: 3, per_class: { airplane: 1000, cat: 1000 } },
  },
  classNames: ['airplane', 'cat'],
  allowsFlip: true,
  height: 32,
  width: 32,
  channels: 3,
};
const wire = (count: number, fill = 0) => ({
  count,
  height: 1,
  width: 1,
  channels: 1 as const,
  data: new Uint8Array(count).fill(fill),
});
const file = (name: string, size: number) => ({
  name,
  webkitRelativePath: '',
  arrayBuffer: async () => new ArrayBuffer(size),
});

beforeEach(() =>
  useDataset.setState({ active: undefined, status: { kind: 'idle' }, selected: [], reshuffling: false }),
);

/** Lets the store read the files and send its request. */
const tick = () => new Promise((r) => setTimeout(r, 0));

async function loaded(count = 64) {
  const client = fakeClient();
  const done = useDataset.getState().loadFiles([file('cifar.tar.gz', 100)]);
  await tick();
  await client.requests[0].resolve({
    type: 'datasetLoaded',
    requestId: 'd',
    dataset: info,
    preview: wire(count),
    warnings: [],
  });
  await done;
  return client;
}

describe('datasetView', () => {
  it('turns the summary into per-class counts in class order, with the test split', () => {
    const v = datasetView(info, wire(2), ['skipped 1 file']);
    expect(v.counts).toEqual([6000, 4000]);
    expect(v.testCounts).toEqual([1000, 1000]);
    expect(v.count).toBe(10_000);
    expect(v.warnings).toEqual(['skipped 1 file']);
  });
});

describe('useDataset', () => {
  it('sends dropped files with their bytes transferred and reports progress', async () => {
    const client = fakeClient();
    void useDataset.getState().loadFiles([file('cifar.tar.gz', 100)]);
    await tick();
    const { command, transfer } = client.requests[0];
    const source = command.source as { kind: string; files: { name: string }[] };
    expect(command.type).toBe('loadDataset');
    expect(source.kind).toBe('files');
    expect(source.files[0].name).toBe('cifar.tar.gz');
    expect(transfer).toHaveLength(1);
    client.requests[0].progress({ type: 'datasetProgress', requestId: 'd', bytesDone: 40, bytesTotal: 100 });
    expect(useDataset.getState().status).toMatchObject({ kind: 'running', bytesDone: 40, bytesTotal: 100 });
  });

  it('shows the loaded dataset and picks the first images for the forward view', async () => {
    await loaded();
    const s = useDataset.getState();
    expect(s.status.kind).toBe('idle');
    expect(s.active?.name).toBe('cifar-10-binary-subset.tar.gz');
    expect(s.selected).toEqual([0, 1, 2, 3]);
  });

  it('keeps the active dataset when a load fails, and shows why', async () => {
    const client = await loaded();
    const done = useDataset.getState().loadFiles([file('junk.bin', 3)]);
    await tick();
    await client.requests[1].reject('dataset', 'junk.bin: holds no usable images');
    await done;
    const s = useDataset.getState();
    expect(s.active?.name).toBe('cifar-10-binary-subset.tar.gz');
    expect(s.status).toEqual({ kind: 'failed', message: 'junk.bin: holds no usable images' });
  });

  it('reshuffles through the worker, one at a time', async () => {
    const client = await loaded();
    const done = useDataset.getState().reshuffle();
    void useDataset.getState().reshuffle();
    expect(client.requests).toHaveLength(2);
    expect(client.requests[1].command).toMatchObject({ type: 'previewDataset', count: 64 });
    expect(useDataset.getState().reshuffling).toBe(true);
    await client.requests[1].resolve({
      type: 'datasetPreview',
      requestId: 'p',
      seed: 1,
      preview: wire(64, 9),
    });
    await done;
    expect(useDataset.getState().active?.preview.data[0]).toBe(9);
    expect(useDataset.getState().reshuffling).toBe(false);
  });

  it('a built-in that finishes loading after a preset was picked leaves the preset’s dataset', async () => {
    vi.stubGlobal('document', { baseURI: 'http://localhost/' });
    const client = fakeClient();
    useConfig.getState().applyPreset('mnist');
    const done = useDataset.getState().loadBuiltin('mnist');
    useConfig.getState().applyPreset('tiny');
    const wanted = useConfig.getState().valid.data.dataset;
    expect(wanted).not.toBe('mnist');
    await client.requests[0].resolve({
      type: 'datasetLoaded',
      requestId: 'd',
      dataset: { ...info, id: 'mnist', channels: 1 },
      preview: wire(4),
      warnings: [],
    });
    await done;
    expect(useConfig.getState().valid.data.dataset).toBe(wanted);
    expect(useDataset.getState().active?.id).toBe('mnist');
    vi.unstubAllGlobals();
  });

  it('dropped files name the dataset in the config, unless the user chose another while they loaded', async () => {
    useConfig.getState().applyPreset('mnist');
    await loaded();
    expect(useConfig.getState().valid.data.dataset).toBe('cifar10');

    useConfig.getState().applyPreset('mnist');
    const client = fakeClient();
    const done = useDataset.getState().loadFiles([file('cifar.tar.gz', 100)]);
    await tick();
    useConfig.getState().applyPreset('tiny');
    const wanted = useConfig.getState().valid.data.dataset;
    await client.requests[0].resolve({
      type: 'datasetLoaded',
      requestId: 'd',
      dataset: info,
      preview: wire(4),
      warnings: [],
    });
    await done;
    expect(useConfig.getState().valid.data.dataset).toBe(wanted);
  });

  it('toggles forward-view images and drops the oldest beyond the maximum', async () => {
    await loaded();
    const d = useDataset.getState();
    d.toggle(2);
    expect(useDataset.getState().selected).toEqual([0, 1, 3]);
    for (let i = 10; i < 20; i++) d.toggle(i);
    const sel = useDataset.getState().selected;
    expect(sel).toHaveLength(FORWARD_MAX);
    expect(sel[sel.length - 1]).toBe(19);
  });
});
