/**
 * The real-data CIFAR-10 archive tests, written once and run over two archives: the committed
 * fixture (`cifar.test.ts`, part of `npm test`) and the 32 MB subset in ../shared/data
 * (`cifarSubset.shared.test.ts`, run by `npm run test:shared` where that folder exists). The
 * expected numbers come from scripts/reference/data_cifar_stats.py (numpy), never from the loader.
 * Test-only: nothing in the app imports this module.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ByteSource, DatasetPair, LoadProgress } from './types';
import { loadDataset } from './load';
import { channelStats } from './batch';
import { filterClass } from './filter';
import { classCounts } from './summary';

interface SplitStats {
  count: number;
  label_histogram: number[];
  mean: number[];
  std: number[];
  first_label: number;
  first_pixels: number[];
  last_label: number;
  last_pixels: number[];
}

/** One archive's reference numbers in scripts/reference/fixtures/data_stats.json. */
export interface CifarStats {
  class_names: string[];
  train: SplitStats;
  test: SplitStats;
}

/** The numpy reference numbers of the archive stored under `key` in data_stats.json. */
export function cifarStats(key: 'cifar_mini' | 'cifar_subset'): CifarStats {
  const all = JSON.parse(
    readFileSync(join(process.cwd(), 'scripts/reference/fixtures/data_stats.json'), 'utf8'),
  );
  return all[key] as CifarStats;
}

/** The committed fixture: 16 train and 4 test images per class, official binary layout. */
export const CIFAR_MINI = join(process.cwd(), 'scripts/reference/fixtures/cifar-10-binary-mini.tar.gz');

// Small read chunks, so even the 0.6 MB fixture reports progress many times.
const CHUNK = 16 * 1024;

function fileSource(path: string): ByteSource {
  return {
    name: basename(path),
    size: statSync(path).size,
    chunks: () => createReadStream(path, { highWaterMark: CHUNK }),
  };
}

/** Loads `path` and checks counts, class names, pixels, progress and a class filter against `ref`. */
export function describeCifarArchive(path: string, ref: CifarStats): void {
  const perClass = ref.train.count / 10;
  const testPerClass = ref.test.count / 10;

  describe(`the CIFAR-10 archive ${basename(path)} (real data)`, () => {
    let pair: DatasetPair;
    const progress: LoadProgress[] = [];
    let warnings: string[];

    beforeAll(async () => {
      ({ pair, warnings } = await loadDataset([fileSource(path)], { onProgress: (p) => progress.push(p) }));
    });

    it('holds the reference counts per class in both splits, with the archive class names', () => {
      expect(warnings).toEqual([]);
      expect(pair.train).toMatchObject({
        count: ref.train.count,
        height: 32,
        width: 32,
        channels: 3,
        split: 'train',
        allowsFlip: true,
      });
      expect(pair.test).toMatchObject({
        count: ref.test.count,
        height: 32,
        width: 32,
        channels: 3,
        split: 'test',
      });
      expect(pair.train.classNames).toEqual(ref.class_names);
      expect(classCounts(pair.train)).toEqual(ref.train.label_histogram);
      expect(classCounts(pair.test!)).toEqual(ref.test.label_histogram);
      expect(ref.train.label_histogram).toEqual(new Array(10).fill(perClass));
    });

    it.each(['train', 'test'] as const)(
      '%s pixels match numpy: per-channel mean/std, first and last pixels (HWC)',
      (split) => {
        const ds = pair[split]!;
        const stats = ref[split];
        const { mean, std } = channelStats(ds);
        mean.forEach((m, c) => expect(m).toBeCloseTo(stats.mean[c], 10));
        std.forEach((s, c) => expect(s).toBeCloseTo(stats.std[c], 10));
        expect(ds.labels[0]).toBe(stats.first_label);
        expect(Array.from(ds.images.subarray(0, 24))).toEqual(stats.first_pixels);
        expect(ds.labels[ds.count - 1]).toBe(stats.last_label);
        expect(Array.from(ds.images.subarray(ds.images.length - 12))).toEqual(stats.last_pixels);
      },
    );

    it('reports progress in input bytes up to the file size', () => {
      const size = statSync(path).size;
      expect(progress.length).toBeGreaterThan(10);
      expect(
        progress.every(
          (p, i) => p.bytesTotal === size && (i === 0 || p.bytesDone > progress[i - 1].bytesDone),
        ),
      ).toBe(true);
      expect(progress.at(-1)?.bytesDone).toBe(size);
    });

    it('filters to one class in both splits ("horse")', () => {
      const horses = filterClass(pair, 'horse');
      expect(horses.train.count).toBe(perClass);
      expect(horses.test?.count).toBe(testPerClass);
      expect(horses.train.labels.every((l) => l === 7)).toBe(true);
      expect(horses.train.classNames).toEqual(ref.class_names);
      // The first horse of the filtered set is the first horse of the full set.
      const first = pair.train.labels.indexOf(7);
      expect(horses.train.images.subarray(0, 3072)).toEqual(
        pair.train.images.subarray(first * 3072, (first + 1) * 3072),
      );
    });
  });
}
