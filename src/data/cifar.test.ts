import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ByteSource, DatasetPair, LoadProgress } from './types';
import { CifarBatchReader } from './cifar';
import { DatasetError } from './errors';
import { loadDataset } from './load';
import { bytesSource } from './source';
import { channelStats } from './batch';
import { filterClass } from './filter';
import { classCounts } from './summary';
import { cifarRecords, tarArchive } from './testHelpers';

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
const fixture = JSON.parse(
  readFileSync(join(process.cwd(), 'scripts/reference/fixtures/data_stats.json'), 'utf8'),
).cifar_subset as {
  class_names: string[];
  train: SplitStats;
  test: SplitStats;
};

const SUBSET = join(process.cwd(), '../shared/data/cifar10/cifar-10-binary-subset.tar.gz');

function fileSource(path: string): ByteSource {
  return {
    name: 'cifar-10-binary-subset.tar.gz',
    size: statSync(path).size,
    chunks: () => createReadStream(path),
  };
}

describe('the CIFAR-10 binary subset archive (real data)', () => {
  let pair: DatasetPair;
  const progress: LoadProgress[] = [];
  let warnings: string[];

  beforeAll(async () => {
    ({ pair, warnings } = await loadDataset([fileSource(SUBSET)], { onProgress: (p) => progress.push(p) }));
  });

  it('holds 10,000 train and 1,000 test images, 1,000 and 100 per class, with the archive class names', () => {
    expect(warnings).toEqual([]);
    expect(pair.train).toMatchObject({
      count: 10_000,
      height: 32,
      width: 32,
      channels: 3,
      split: 'train',
      allowsFlip: true,
    });
    expect(pair.test).toMatchObject({ count: 1_000, height: 32, width: 32, channels: 3, split: 'test' });
    expect(pair.train.classNames).toEqual(fixture.class_names);
    expect(classCounts(pair.train)).toEqual(fixture.train.label_histogram);
    expect(classCounts(pair.test!)).toEqual(fixture.test.label_histogram);
    expect(fixture.train.label_histogram).toEqual(new Array(10).fill(1000));
  });

  it.each(['train', 'test'] as const)(
    '%s pixels match numpy: per-channel mean/std, first and last pixels (HWC)',
    (split) => {
      const ds = pair[split]!;
      const ref = fixture[split];
      const { mean, std } = channelStats(ds);
      mean.forEach((m, c) => expect(m).toBeCloseTo(ref.mean[c], 10));
      std.forEach((s, c) => expect(s).toBeCloseTo(ref.std[c], 10));
      expect(ds.labels[0]).toBe(ref.first_label);
      expect(Array.from(ds.images.subarray(0, 24))).toEqual(ref.first_pixels);
      expect(ds.labels[ds.count - 1]).toBe(ref.last_label);
      expect(Array.from(ds.images.subarray(ds.images.length - 12))).toEqual(ref.last_pixels);
    },
  );

  it('reports progress in input bytes up to the file size', () => {
    const size = statSync(SUBSET).size;
    expect(progress.length).toBeGreaterThan(10);
    expect(
      progress.every((p, i) => p.bytesTotal === size && (i === 0 || p.bytesDone > progress[i - 1].bytesDone)),
    ).toBe(true);
    expect(progress.at(-1)?.bytesDone).toBe(size);
  });

  it('filters to one class in both splits ("horse")', () => {
    const horses = filterClass(pair, 'horse');
    expect(horses.train.count).toBe(1000);
    expect(horses.test?.count).toBe(100);
    expect(horses.train.labels.every((l) => l === 7)).toBe(true);
    expect(horses.train.classNames).toEqual(fixture.class_names);
    // The first horse of the filtered set is the first horse of the full set.
    const first = pair.train.labels.indexOf(7);
    expect(horses.train.images.subarray(0, 3072)).toEqual(
      pair.train.images.subarray(first * 3072, (first + 1) * 3072),
    );
  });
});

describe('CIFAR-10 records', () => {
  const pixel = (i: number, c: number, p: number) => (i * 31 + c * 101 + p * 7) % 256;
  const records = cifarRecords([3, 9, 0], pixel);

  it('turn planar RGB into HWC whatever the chunking', () => {
    for (const chunk of [1, 1000, 3073, 3074, records.length]) {
      const reader = new CifarBatchReader('x.bin', undefined, records.length);
      for (let i = 0; i < records.length; i += chunk) reader.write(records.subarray(i, i + chunk));
      const batch = reader.end('train');
      expect(Array.from(batch.labels)).toEqual([3, 9, 0]);
      for (const [i, p, c] of [
        [0, 0, 0],
        [1, 5, 2],
        [2, 1023, 1],
        [2, 32, 0],
      ])
        expect(batch.images[i * 3072 + p * 3 + c]).toBe(pixel(i, c, p));
    }
  });

  it('in the official layout: data_batch_N in number order, test_batch, batches.meta.txt names; other members skipped with a warning', async () => {
    const meta = new TextEncoder().encode('zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n\n');
    const tar = tarArchive([
      { name: 'cifar-10-batches-bin/data_batch_2.bin', data: cifarRecords([2, 2], () => 2) },
      { name: 'cifar-10-batches-bin/readme.html', data: new TextEncoder().encode('<html></html>') },
      { name: 'cifar-10-batches-bin/data_batch_1.bin', data: cifarRecords([1], () => 1) },
      { name: 'cifar-10-batches-bin/test_batch.bin', data: cifarRecords([5], () => 5) },
      { name: 'cifar-10-batches-bin/batches.meta.txt', data: meta },
    ]);
    const { pair, warnings } = await loadDataset([
      bytesSource('cifar-10-binary.tar.gz', new Uint8Array(gzipSync(tar))),
    ]);
    expect(Array.from(pair.train.labels)).toEqual([1, 2, 2]);
    expect(pair.train.images[0]).toBe(1);
    expect(pair.train.classNames[9]).toBe('nine');
    expect(pair.test?.count).toBe(1);
    expect(warnings).toEqual([
      'skipped 1 file(s) that are not dataset files: cifar-10-binary.tar.gz/cifar-10-batches-bin/readme.html',
    ]);
  });

  it('from single .bin files, split by name, with the official class names', async () => {
    const { pair } = await loadDataset([
      bytesSource(
        'data_batch_3.bin',
        cifarRecords([8], () => 0),
      ),
      bytesSource(
        'test_batch.bin',
        cifarRecords([1, 2], () => 0),
      ),
    ]);
    expect(pair.train.count).toBe(1);
    expect(pair.test?.count).toBe(2);
    expect(pair.train.classNames[8]).toBe('ship');
  });
});

describe('bad CIFAR-10 input', () => {
  const load = (name: string, bytes: Uint8Array) => loadDataset([bytesSource(name, bytes)]);

  it('a .bin whose size is not a multiple of 3,073 bytes', async () => {
    await expect(load('data_batch_1.bin', new Uint8Array(3074))).rejects.toThrow(
      'data_batch_1.bin: is 3,074 bytes, not a multiple of the 3,073-byte CIFAR-10 record',
    );
  });

  it('a tar member of the wrong size', async () => {
    const tar = tarArchive([
      { name: 'cifar-10-batches-bin/data_batch_1.bin', data: new Uint8Array(3073 * 2 - 1) },
    ]);
    await expect(load('c.tar.gz', new Uint8Array(gzipSync(tar)))).rejects.toThrow(
      'c.tar.gz: tar member cifar-10-batches-bin/data_batch_1.bin is 6,145 bytes, not a multiple of the 3,073-byte CIFAR-10 record',
    );
  });

  it('a truncated archive (gzip cut short)', async () => {
    const gz = new Uint8Array(
      gzipSync(
        tarArchive([{ name: 'data_batch_1.bin', data: cifarRecords([1, 2, 3], (_i, _c, p) => p % 251) }]),
      ),
    );
    const err = await load('c.tar.gz', gz.subarray(0, gz.length - 100)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).file).toBe('c.tar.gz');
    expect((err as Error).message).toMatch(/truncated/);
  });

  it('a label outside 0-9', async () => {
    await expect(
      load(
        'data_batch_1.bin',
        cifarRecords([1, 12], () => 0),
      ),
    ).rejects.toThrow(
      'data_batch_1.bin: record 1 has label 12; CIFAR-10 labels are 0-9 (is this CIFAR-100?)',
    );
  });

  it('an archive without batches', async () => {
    const tar = tarArchive([{ name: 'x/notes.txt', data: new Uint8Array(5) }]);
    await expect(load('x.tar', tar)).rejects.toThrow(
      'x.tar: holds no usable images (skipped: x.tar/x/notes.txt)',
    );
  });
});
