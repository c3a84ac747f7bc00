/** The dataset summary `ddpm-lab data` prints and other tools parse: counts, shape, images per class. */
import type { Dataset, DatasetPair } from './types';

export interface SplitSummary {
  images: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** Images per class name, in class order; classes with no images count 0. */
  per_class: Record<string, number>;
}

export interface DatasetSummary {
  train: SplitSummary;
  test?: SplitSummary;
}

/** Images per class, indexed by label. */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  return counts;
}

export function summarizeSplit(ds: Dataset): SplitSummary {
  const counts = classCounts(ds);
  const perClass: Record<string, number> = {};
  ds.classNames.forEach((c, k) => (perClass[c] = counts[k]));
  return { images: ds.count, height: ds.height, width: ds.width, channels: ds.channels, per_class: perClass };
}

export function summarize(pair: DatasetPair): DatasetSummary {
  return pair.test
    ? { train: summarizeSplit(pair.train), test: summarizeSplit(pair.test) }
    : { train: summarizeSplit(pair.train) };
}
