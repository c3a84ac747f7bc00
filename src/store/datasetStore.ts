/**
 * The active dataset as the page sees it: its summary, 64 random images with their labels, and
 * the load in progress. The images themselves live in the worker; a failed load leaves the
 * active dataset in place and says why.
 */
import { create } from 'zustand';
import type { ImageBatch } from './imageBatch';

/** What the page knows of a loaded dataset. */
export interface DatasetInfo {
  name: string;
  /** The built-in's id, or undefined for the learner's own files. */
  builtinId: string | undefined;
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
  previewLabels: Uint8Array;
  warnings: string[];
}

export type LoadStatus =
  | { kind: 'idle' }
  | { kind: 'loading'; name: string; bytesDone: number; bytesTotal: number }
  | { kind: 'error'; message: string };

/** Images the forward-process view starts with. */
export const FORWARD_DEFAULT_COUNT = 4;
/** Most images the forward view shows side by side. */
export const FORWARD_MAX = 8;

interface DatasetState {
  active: DatasetInfo | undefined;
  status: LoadStatus;
  /** Preview indices shown in the forward-process view. */
  selected: number[];
  loading(name: string, bytesTotal: number): void;
  progress(bytesDone: number, bytesTotal: number): void;
  loaded(info: DatasetInfo): void;
  /** A new random preview of the same dataset. */
  previewed(preview: ImageBatch, labels: Uint8Array): void;
  failed(message: string): void;
  toggle(index: number): void;
}

const firstFew = (count: number) => Array.from({ length: Math.min(FORWARD_DEFAULT_COUNT, count) }, (_, i) => i);

export const useDataset = create<DatasetState>((set, get) => ({
  active: undefined,
  status: { kind: 'idle' },
  selected: [],
  loading(name, bytesTotal) {
    set({ status: { kind: 'loading', name, bytesDone: 0, bytesTotal } });
  },
  progress(bytesDone, bytesTotal) {
    const s = get().status;
    if (s.kind === 'loading') set({ status: { ...s, bytesDone, bytesTotal } });
  },
  loaded(info) {
    set({ active: info, status: { kind: 'idle' }, selected: firstFew(info.preview.count) });
  },
  previewed(preview, labels) {
    const active = get().active;
    if (!active) return;
    set({ active: { ...active, preview, previewLabels: labels }, selected: firstFew(preview.count) });
  },
  failed(message) {
    set({ status: { kind: 'error', message } });
  },
  toggle(index) {
    const { selected } = get();
    if (selected.includes(index)) set({ selected: selected.filter((i) => i !== index) });
    // The oldest choice makes room, so a click always shows the image clicked.
    else set({ selected: [...selected, index].slice(-FORWARD_MAX) });
  },
}));
