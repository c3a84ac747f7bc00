import { FORWARD_MAX, useDataset, type DatasetInfo } from './datasetStore';

const info = (name: string, count = 64): DatasetInfo => ({
  name,
  builtinId: undefined,
  count: 1000,
  height: 2,
  width: 2,
  channels: 1,
  classNames: ['a', 'b'],
  counts: [500, 500],
  testCounts: undefined,
  preview: { data: new Uint8Array(count * 4), count, height: 2, width: 2, channels: 1 },
  previewLabels: new Uint8Array(count),
  warnings: [],
});

beforeEach(() => useDataset.setState({ active: undefined, status: { kind: 'idle' }, selected: [] }));

describe('useDataset', () => {
  it('reports progress while loading and picks the first images for the forward view', () => {
    const d = useDataset.getState();
    d.loading('cifar.tar.gz', 100);
    d.progress(40, 100);
    expect(useDataset.getState().status).toEqual({ kind: 'loading', name: 'cifar.tar.gz', bytesDone: 40, bytesTotal: 100 });
    d.loaded(info('cifar'));
    expect(useDataset.getState().status.kind).toBe('idle');
    expect(useDataset.getState().selected).toEqual([0, 1, 2, 3]);
  });

  it('keeps the active dataset when a load fails, and shows why', () => {
    const d = useDataset.getState();
    d.loaded(info('mnist'));
    d.loading('junk.bin', 10);
    d.failed('junk.bin: holds no usable images');
    const s = useDataset.getState();
    expect(s.active?.name).toBe('mnist');
    expect(s.status).toEqual({ kind: 'error', message: 'junk.bin: holds no usable images' });
  });

  it('toggles forward-view images and drops the oldest beyond the maximum', () => {
    const d = useDataset.getState();
    d.loaded(info('x'));
    d.toggle(2);
    expect(useDataset.getState().selected).toEqual([0, 1, 3]);
    for (let i = 10; i < 20; i++) d.toggle(i);
    const sel = useDataset.getState().selected;
    expect(sel).toHaveLength(FORWARD_MAX);
    expect(sel[sel.length - 1]).toBe(19);
  });

  it('a reshuffled preview resets the selection; progress outside a load is ignored', () => {
    const d = useDataset.getState();
    d.loaded(info('x'));
    d.toggle(10);
    d.previewed({ data: new Uint8Array(8), count: 2, height: 2, width: 2, channels: 1 }, new Uint8Array(2));
    expect(useDataset.getState().selected).toEqual([0, 1]);
    d.progress(5, 10);
    expect(useDataset.getState().status.kind).toBe('idle');
  });
});
