/**
 * The active dataset as the page sees it: its summary, 64 random images with their labels, and
 * the load in progress. The images themselves live in the worker; a failed load leaves the
 * active dataset in place and says why.
 */
import { create } from 'zustand';
import type { DatasetId } from '../config';
import { BUILTINS, type BuiltinId } from '../data/builtins';
import type {
  DatasetInfo,
  DatasetSource,
  ImageBatch as WireBatch,
  TrainingCommand,
  TrainingEvent,
} from '../worker/protocol';
import { newRunId } from '../worker/client';
import type { ImageBatch } from './imageBatch';
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

export type LoadStatus =
  | { kind: 'idle' }
  | { kind: 'loading'; runId: string; name: string; bytesDone: number; bytesTotal: number }
  | { kind: 'error'; message: string };

/** Images in the dataset grid. */
export const PREVIEW_COUNT = 64;
/** Images the forward-process view starts with. */
export const FORWARD_DEFAULT_COUNT = 4;
/** Most images the forward view shows side by side. */
export const FORWARD_MAX = 8;

type DatasetEvent = Extract<TrainingEvent, { type: 'datasetProgress' | 'datasetLoaded' | 'datasetPreview' }>;

interface DatasetState {
  active: DatasetView | undefined;
  status: LoadStatus;
  /** Preview indices shown in the forward-process view. */
  selected: number[];
  /** The reshuffle in flight, if any. */
  previewRun: string | undefined;
  loadBuiltin(id: BuiltinId): void;
  loadFiles(files: readonly PickedFile[]): Promise<void>;
  reshuffle(): void;
  /** Loads the dataset in use again (into a restarted worker); resolves false when none was loaded. */
  reload(): Promise<boolean>;
  toggle(index: number): void;
  onEvent(event: DatasetEvent): void;
  onError(runId: string, message: string): boolean;
}

const firstFew = (count: number) =>
  Array.from({ length: Math.min(FORWARD_DEFAULT_COUNT, count) }, (_, i) => i);

const toBatch = (b: WireBatch): ImageBatch => ({
  data: b.pixels,
  count: b.count,
  height: b.height,
  width: b.width,
  channels: b.channels,
});

/** Per-class counts of a split summary, in class order. */
function countsOf(perClass: Record<string, number>, classNames: readonly string[]): number[] {
  return classNames.map((c) => perClass[c] ?? 0);
}

/** The summary, grid and counts the page shows, from the worker's `datasetLoaded`. */
export function datasetView(info: DatasetInfo, preview: WireBatch, warnings: string[]): DatasetView {
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
    preview: toBatch(preview),
    warnings,
  };
}

function send(cmd: TrainingCommand, transfer: Transferable[] = []): boolean {
  const client = useLab.getState().client;
  client?.send(cmd, transfer);
  return client !== undefined;
}

/**
 * How to load a dataset again: built-ins by id, dropped files from the File handles (their bytes
 * went to the worker). `datasetWhenPicked` is the config's dataset when the files were picked.
 */
type Reload =
  | { kind: 'builtin'; id: BuiltinId }
  | { kind: 'files'; files: readonly PickedFile[]; datasetWhenPicked: DatasetId };

export const useDataset = create<DatasetState>((set, get) => {
  let requested: Reload | undefined;
  let loaded: Reload | undefined;
  const start = (
    again: Reload,
    name: string,
    bytesTotal: number,
    source: DatasetSource,
    transfer: Transferable[] = [],
  ) => {
    requested = again;
    const runId = newRunId();
    set({ status: { kind: 'loading', runId, name, bytesDone: 0, bytesTotal } });
    send({ type: 'loadDataset', runId, source }, transfer);
  };
  return {
    active: undefined,
    status: { kind: 'idle' },
    selected: [],
    previewRun: undefined,
    loadBuiltin(id) {
      if (!useLab.getState().client || get().status.kind === 'loading') return;
      const info = BUILTINS.find((b) => b.id === id);
      if (!info) return;
      start(
        { kind: 'builtin', id },
        info.title,
        info.files.reduce((n, f) => n + f.bytes, 0),
        { kind: 'builtin', id, baseUrl: document.baseURI },
      );
    },
    async loadFiles(files) {
      if (!useLab.getState().client || files.length === 0 || get().status.kind === 'loading') return;
      try {
        const payload = await Promise.all(
          files.map(async (f) => ({ name: f.webkitRelativePath || f.name, bytes: await f.arrayBuffer() })),
        );
        const total = payload.reduce((n, f) => n + f.bytes.byteLength, 0);
        start(
          { kind: 'files', files, datasetWhenPicked: useConfig.getState().valid.data.dataset },
          describeFiles(files),
          total,
          { kind: 'files', files: payload },
          payload.map((f) => f.bytes),
        );
      } catch (err) {
        set({
          status: {
            kind: 'error',
            message: `Could not read ${describeFiles(files)}: ${err instanceof Error ? err.message : String(err)}`,
          },
        });
      }
    },
    reshuffle() {
      if (!get().active || get().previewRun) return;
      const runId = newRunId();
      set({ previewRun: runId });
      send({
        type: 'previewDataset',
        runId,
        seed: Math.floor(Math.random() * 2 ** 31),
        count: PREVIEW_COUNT,
      });
    },
    async reload() {
      const again = loaded;
      if (!again) return false;
      // A load the dead worker never finished must not block this one.
      set({ status: { kind: 'idle' }, previewRun: undefined });
      if (again.kind === 'builtin') get().loadBuiltin(again.id);
      else await get().loadFiles(again.files);
      return true;
    },
    toggle(index) {
      const { selected } = get();
      if (selected.includes(index)) set({ selected: selected.filter((i) => i !== index) });
      // The oldest choice makes room, so a click always shows the image clicked.
      else set({ selected: [...selected, index].slice(-FORWARD_MAX) });
    },
    onEvent(event) {
      switch (event.type) {
        case 'datasetProgress': {
          const s = get().status;
          if (s.kind === 'loading' && s.runId === event.runId)
            set({ status: { ...s, bytesDone: event.bytesDone, bytesTotal: event.bytesTotal } });
          return;
        }
        case 'datasetLoaded': {
          const s = get().status;
          if (s.kind !== 'loading' || s.runId !== event.runId) return;
          const view = datasetView(event.dataset, event.preview, event.warnings);
          loaded = requested;
          set({ active: view, status: { kind: 'idle' }, selected: firstFew(view.preview.count) });
          // Dropped files decide the dataset: the config (and the link) now names what was loaded,
          // unless the user chose another dataset (a preset, a link) while they loaded: the last
          // choice wins. A built-in never writes the config: it was loaded because the config named
          // it, and if the config has moved on since, useDatasetFollowsConfig loads the new one.
          const config = useConfig.getState();
          if (
            requested?.kind === 'files' &&
            config.valid.data.dataset === requested.datasetWhenPicked &&
            config.valid.data.dataset !== view.id
          )
            config.setField('data.dataset', view.id);
          return;
        }
        case 'datasetPreview': {
          const active = get().active;
          if (!active || get().previewRun !== event.runId) return;
          const preview = toBatch(event.preview);
          set({ active: { ...active, preview }, previewRun: undefined, selected: firstFew(preview.count) });
          return;
        }
      }
    },
    onError(runId, message) {
      const s = get().status;
      if (s.kind === 'loading' && s.runId === runId) {
        set({ status: { kind: 'error', message } });
        return true;
      }
      if (get().previewRun === runId) {
        set({ previewRun: undefined, status: { kind: 'error', message } });
        return true;
      }
      return false;
    },
  };
});
