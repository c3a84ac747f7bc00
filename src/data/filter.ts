/** Training on one class: CIFAR-10 "horse", digit "3". */
import type { Dataset, DatasetPair } from './types';
import { DatasetError } from './errors';

/** The label of a class given by name (case-insensitive) or, failing that, by index. */
export function classIndex(ds: Dataset, cls: string | number): number {
  if (typeof cls === 'string') {
    const byName = ds.classNames.findIndex((n) => n.toLowerCase() === cls.trim().toLowerCase());
    if (byName >= 0) return byName;
    if (/^\d+$/.test(cls.trim())) return classIndex(ds, Number(cls));
  } else if (Number.isInteger(cls) && cls >= 0 && cls < ds.classNames.length) return cls;
  throw new DatasetError(
    ds.name,
    `has no class ${JSON.stringify(cls)}; classes are ${ds.classNames.join(', ')}`,
  );
}

function keepLabel(ds: Dataset, label: number): Dataset {
  const bytes = ds.height * ds.width * ds.channels;
  let count = 0;
  for (let i = 0; i < ds.count; i++) if (ds.labels[i] === label) count++;
  const images = new Uint8Array(count * bytes);
  let k = 0;
  for (let i = 0; i < ds.count; i++)
    if (ds.labels[i] === label) images.set(ds.images.subarray(i * bytes, (i + 1) * bytes), bytes * k++);
  return { ...ds, images, labels: new Uint8Array(count).fill(label), count };
}

/**
 * Keeps one class in both splits. Labels and `classNames` are unchanged, so a model conditioned
 * on labels, and the per-class summary, still mean the same classes.
 */
export function filterClass(pair: DatasetPair, cls: string | number): DatasetPair {
  const label = classIndex(pair.train, cls);
  const train = keepLabel(pair.train, label);
  if (train.count === 0)
    throw new DatasetError(
      pair.train.name,
      `has no training images of class ${pair.train.classNames[label]}`,
    );
  return pair.test ? { train, test: keepLabel(pair.test, label) } : { train };
}
