/**
 * A metrics.csv drawn beside the browser run's loss (the PyTorch project's output, or another Export
 * run): read on the main thread (text only, no weights), kept as one downsampled series. Separate
 * from the metrics store, which the worker's events own.
 */
import { create } from 'zustand';
import { readMetricsCsv, type TextFile } from '../io/metricsCsv';
import { MAX_CHART_POINTS, type LossPoint } from './metricsStore';
import { minMaxDownsample } from '../training/metricSeries';

export interface Overlay {
  fileName: string;
  /** Rows in the file; `points` holds at most MAX_CHART_POINTS of them. */
  rows: number;
  points: LossPoint[];
}

interface OverlayState {
  overlay: Overlay | undefined;
  error: string | undefined;
  /** Reads a metrics.csv (it must have smoothed_loss, the line drawn); a bad one keeps the last overlay. */
  load(file: TextFile): Promise<void>;
  clear(): void;
}

export const useOverlay = create<OverlayState>((set) => ({
  overlay: undefined,
  error: undefined,
  async load(file) {
    try {
      const rows = (await readMetricsCsv(file, ['smoothed_loss'])).points.flatMap((p) =>
        p.smoothedLoss !== null && Number.isFinite(p.smoothedLoss)
          ? [{ step: p.step, loss: p.loss, smoothed: p.smoothedLoss }]
          : [],
      );
      const points = minMaxDownsample(rows, MAX_CHART_POINTS, (p) => p.smoothed);
      set({ overlay: { fileName: file.name, rows: rows.length, points }, error: undefined });
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
