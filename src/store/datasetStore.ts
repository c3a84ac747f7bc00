/**
 * The active dataset as the page sees it: its summary, 64 random images with their labels, and
 * the load in progress. The images themselves live in the worker; a failed load leaves the
 * active dataset in place and says why.
 */
import { create } from 'zustand';
import type { DatasetId } from '../config';
import { BUILTINS, type BuiltinId } from '../data/builtins';
import type { DatasetInfo, DatasetSource, ImageBatch } from '../worker/protocol';
import { failedJob, type Job } from '../worker/client';
import { useConfig } from './configStore';
import { useLab } from './labStore';
import { describeFiles, type PickedFile } from './weightsStore';

/** What the page knows of a loaded dataset. */
export interface DatasetView {
  id: DatasetId;
  name: string;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  classNames: string[];
  /** Train images per class, by label. */
  counts: number[];
  /** Test images per class, when the source has a test split. */
  testCounts: number[] | undefined;
  preview: ImageBatch;
  warnings: string[];
}

/** The load's job: the bytes read so far (a loaded dataset ends it back in idle). */
export type LoadStatus = Job<{ name: string; bytesDone: number; bytesTotal: number }>;

/** Images in the dataset grid. */
export const PREVIEW_COUNT = 64;
/** Images the forward-process view starts with. */
export const FORWARD_DEFAULT_COUNT = 4;
/** Most images the forward view shows side by side. */
export const FORWARD_MAX = 8;

interface DatasetState {
  active: DatasetView | undefined;
  status: LoadStatus;
  /** Preview indices shown in the forward-process view. */
  selected: number[];
  /** A reshuffle is in flight. */
  reshuffling: boolean;
  /** Loads a built-in; resolves when it is loaded or has failed (see `status`). */
  loadBuiltin(id: BuiltinId): Promise<void>;
  loadFiles(files: readonly PickedFile[]): Promise<void>;
  reshuffle(): Promise<void>;
  /** Loads the dataset in use again (into a restarted worker); resolves false when none was loaded. */
  reload(): Promise<boolean>;
  toggle(index: number): void;
}

const firstFew = (count: number) =>
  Array.from({ length: Math.min(FORWARD_DEFAULT_COUNT, count) }, (_, i) => i);

/** Per-class counts of a split summary, in class order. */
function countsOf(perClass: Record<string, number>, classNames: readonly string[]): number[] {
  return classNames.map((c) => perClass[c] ?? 0);
}

/** The summary, grid and counts the page shows, from the worker's `datasetLoaded`. */
export function datasetView(info: DatasetInfo, preview: ImageBatch, warnings: string[]): DatasetView {
  const { summary, classNames } = info;
  return {
    id: info.id,
    name: info.name,
    count: summary.train.images,
    height: info.height,
    width: info.width,
    channels: info.channels,
    classNames,
    counts: countsOf(summary.train.per_class, classNames),
    testCounts: summary.test ? countsOf(summary.test.per_class, classNames) : undefined,
    preview,
    warnings,
  };
}

/**
 * How to load a dataset again: built-ins by id, dropped files from the File handles (their bytes
 * went to the worker). `datasetWhenPicked` is the config's dataset when the files were picked.
 */
type Reload =
  | { kind: 'builtin'; id: BuiltinId }
  | { kind: 'files'; files: readonly PickedFile[]; datasetWhenPicked: DatasetId };

export const useDataset = create<DatasetState>((set, get) => {
  let loaded: Reload | undefined;
  const start = async (
    again: Reload,
    name: string,
    bytesTotal: number,
    source: DatasetSource,
    transfer: Transferable[] = [],
  ) => {
    const client = useLab.getState().client;
    if (!client) return;
    set({ status: { kind: 'running', name, bytesDone: 0, bytesTotal } });
    try {
      const event = await client.request(
        { type: 'loadDataset', source },
        {
          transfer,
          onProgress: ({ bytesDone, bytesTotal }) => set({ status: { kind: 'running', name, bytesDone, bytesTotal } }),
        },
      );
      const view = datasetView(event.dataset, event.preview, event.warnings);
      loaded = again;
      set({ active: view, status: { kind: 'idle' }, selected: firstFew(view.preview.count) });
      // Dropped files decide the dataset: the config (and the link) now names what was loaded,
      // unless the user chose another dataset (a preset, a link) while they loaded: the last
      // choice wins. A built-in never writes the config: it was loaded because the config named
      // it, and if the config has moved on since, useDatasetFollowsConfig loads the new one.
      const config = useConfig.getState();
      if (
        again.kind === 'files' &&
        config.valid.data.dataset === again.datasetWhenPicked &&
        config.valid.data.dataset !== view.id
      )
        config.setField('data.dataset', view.id);
    } catch (e) {
      set({ status: failedJob(e) });
    }
  };
  return {
    active: undefined,
    status: { kind: 'idle' },
    selected: [],
    reshuffling: false,
    async loadBuiltin(id) {
      if (!useLab.getState().client || get().status.kind === 'running') return;
      const info = BUILTINS.find((b) => b.id === id);
      if (!info) return;
      await start(
        { kind: 'builtin', id },
        info.title,
        info.files.reduce((n, f) => n + f.bytes, 0),
        { kind: 'builtin', id, baseUrl: document.baseURI },
      );
    },
    async loadFiles(files) {
      if (!useLab.getState().client || files.length === 0 || get().status.kind === 'running') return;
      let payload;
      try {
        payload = await Promise.all(
          files.map(async (f) => ({ name: f.webkitRelativePath || f.name, bytes: await f.arrayBuffer() })),
        );
      } catch (err) {
        set({
          status: {
            kind: 'failed',
            message: `Could not read ${describeFiles(files)}: ${err instanceof Error ? err.message : String(err)}`,
          },
        });
        return;
      }
      const total = payload.reduce((n, f) => n + f.bytes.byteLength, 0);
      await start(
        { kind: 'files', files, datasetWhenPicked: useConfig.getState().valid.data.dataset },
        describeFiles(files),
        total,
        { kind: 'files', files: payload },
        payload.map((f) => f.bytes),
      );
    },
    async reshuffle() {
      const client = useLab.getState().client;
      if (!client || !get().active || get().reshuffling) return;
      set({ reshuffling: true });
      try {
        const { preview } = await client.request({
          type: 'previewDataset',
          seed: Math.floor(Math.random() * 2 ** 31),
          count: PREVIEW_COUNT,
        });
        const active = get().active;
        if (active) set({ active: { ...active, preview }, selected: firstFew(preview.count) });
      } catch (e) {
        set({ status: failedJob(e) });
      } finally {
        set({ reshuffling: false });
      }
    },
    async reload() {
      const again = loaded;
      if (!again) return false;
      // A load the dead worker never finished must not block this one.
      set({ status: { kind: 'idle' }, reshuffling: false });
      if (again.kind === 'builtin') await get().loadBuiltin(again.id);
      else await get().loadFiles(again.files);
      return true;
    },
    toggle(index) {
      const { selected } = get();
      if (selected.includes(index)) set({ selected: selected.filter((i) => i !== index) });
      // The oldest choice makes room, so a click always shows the image clicked.
      else set({ selected: [...selected, index].slice(-FORWARD_MAX) });
    },
  };
});
