/**
 * A metrics.csv drawn beside the browser run's loss (the PyTorch project's output, or another Export
 * run): read on the main thread (text only, no weights), kept as one downsampled series. Separate
 * from the metrics store, which the worker's events own.
 */
import { create } from 'zustand';
import { parseMetricsCsv, type CsvMetricPoint } from '../io/metricsCsv';
import { MAX_CHART_POINTS, type LossPoint } from './metricsStore';
import { minMaxDownsample } from '../training/metricSeries';

/** Larger than any metrics.csv of a real run (800k rows are about 80 MB). */
export const MAX_OVERLAY_BYTES = 256 * 2 ** 20;

export interface Overlay {
  fileName: string;
  /** Rows in the file; `points` holds at most MAX_CHART_POINTS of them. */
  rows: number;
  points: LossPoint[];
}

interface OverlayState {
  overlay: Overlay | undefined;
  error: string | undefined;
  load(file: File): Promise<void>;
  /** Sets the overlay from a file's text (what `load` does once the file is read). */
  fromText(text: string, fileName: string): void;
  clear(): void;
}

const toLoss = (p: CsvMetricPoint): LossPoint => ({ step: p.step, loss: p.loss, smoothed: p.smoothedLoss });

export const useOverlay = create<OverlayState>((set, get) => ({
  overlay: undefined,
  error: undefined,
  async load(file) {
    if (file.size > MAX_OVERLAY_BYTES) {
      set({
        error: `${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MiB; a metrics.csv is at most ${MAX_OVERLAY_BYTES / 2 ** 20} MiB`,
      });
      return;
    }
    get().fromText(await file.text(), file.name);
  },
  fromText(text, fileName) {
    try {
      const rows = parseMetricsCsv(text, fileName).filter((p) => Number.isFinite(p.smoothedLoss));
      const points = minMaxDownsample(rows.map(toLoss), MAX_CHART_POINTS, (p) => p.smoothed);
      set({ overlay: { fileName, rows: rows.length, points }, error: undefined });
    } catch (e) {
      set({ error: (e as Error).message });
    }
  },
  clear: () => set({ overlay: undefined, error: undefined }),
}));

/**
 * Two step-sorted series on one x axis: the union of their steps, each series' value at every x
 * inside its own range (linearly interpolated between its points, so neither line breaks where the
 * other has a point) and null outside it.
 */
export function alignSeries(
  a: readonly { step: number; value: number }[],
  b: readonly { step: number; value: number }[],
): { xs: number[]; a: (number | null)[]; b: (number | null)[] } {
  const xs = [...new Set([...a, ...b].map((p) => p.step))].sort((x, y) => x - y);
  const at = (s: readonly { step: number; value: number }[]) => {
    let j = 0;
    return xs.map((x) => {
      if (s.length === 0 || x < s[0].step || x > s[s.length - 1].step) return null;
      while (s[j + 1] && s[j + 1].step <= x) j++;
      const p = s[j];
      const q = s[j + 1];
      return p.step === x || !q
        ? p.value
        : p.value + ((q.value - p.value) * (x - p.step)) / (q.step - p.step);
    });
  };
  return { xs, a: at(a), b: at(b) };
}
