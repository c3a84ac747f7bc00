import { gzipSync } from 'node:zlib';
import { DatasetError } from './errors';
import { loadDataset } from './load';
import { bytesSource } from './source';
import { idxFile } from './testHelpers';

const images = (n: number, h = 4, w = 4) =>
  idxFile(
    [n, h, w],
    Uint8Array.from({ length: n * h * w }, (_, i) => i % 256),
  );
const labels = (values: number[]) => idxFile([values.length], Uint8Array.from(values));
const load = (files: [string, Uint8Array][]) => loadDataset(files.map(([n, b]) => bytesSource(n, b)));

describe('idx files', () => {
  it('pairs images and labels by magic number, not name, raw or gzipped', async () => {
    const { pair } = await load([
      ['b.gz', new Uint8Array(gzipSync(labels([2, 0, 1])))],
      ['a', images(3)],
    ]);
    expect(pair.train).toMatchObject({
      count: 3,
      height: 4,
      width: 4,
      channels: 1,
      classNames: ['0', '1', '2'],
      allowsFlip: false,
    });
    expect(Array.from(pair.train.labels)).toEqual([2, 0, 1]);
    expect(pair.train.images[16]).toBe(16);
    expect(pair.test).toBeUndefined();
  });

  it('keeps the train/test split of the official file names', async () => {
    const { pair } = await load([
      ['train-images-idx3-ubyte', images(5)],
      ['train-labels-idx1-ubyte', labels([0, 1, 2, 3, 4])],
      ['t10k-images-idx3-ubyte.gz', new Uint8Array(gzipSync(images(2)))],
      ['t10k-labels-idx1-ubyte.gz', new Uint8Array(gzipSync(labels([4, 4])))],
    ]);
    expect(pair.train.count).toBe(5);
    expect(pair.test?.count).toBe(2);
    expect(pair.test?.split).toBe('test');
    expect(pair.test?.classNames).toEqual(pair.train.classNames);
  });

  it('gives images without labels one class', async () => {
    const { pair } = await load([['letters-idx3-ubyte', images(2)]]);
    expect(pair.train.classNames).toEqual(['all']);
    expect(Array.from(pair.train.labels)).toEqual([0, 0]);
  });

  it('reads N×H×W×3 idx images as RGB', async () => {
    const { pair } = await load([['rgb', idxFile([2, 2, 2, 3], new Uint8Array(24))]]);
    expect(pair.train.channels).toBe(3);
  });
});

describe('bad idx input', () => {
  it('wrong magic (named like idx)', async () => {
    const bad = images(1);
    bad[2] = 0x07;
    await expect(load([['train-images-idx3-ubyte', bad]])).rejects.toThrow(
      'train-images-idx3-ubyte: idx element type 0x07 (unknown) is not supported; only unsigned bytes (0x08) are',
    );
  });

  it('a file named like idx whose magic is not idx', async () => {
    const bad = images(1);
    bad[0] = 0x1a;
    await expect(load([['t10k-images-idx3-ubyte', bad]])).rejects.toThrow(
      't10k-images-idx3-ubyte: is not an idx file (magic 1a 00 08 03, expected 00 00 08 0N)',
    );
  });

  it('float idx data', async () => {
    await expect(load([['x-idx3-ubyte', idxFile([1, 1, 1], new Uint8Array(4), 0x0d)]])).rejects.toThrow(
      /0x0d \(float32\) is not supported/,
    );
  });

  it('dimensions that do not match the data (truncated file)', async () => {
    await expect(load([['img-idx3-ubyte', images(3).subarray(0, 40)]])).rejects.toThrow(
      'img-idx3-ubyte: idx header says 3×4×4 = 48 bytes of data, the file holds 24',
    );
  });

  it('a zero dimension', async () => {
    await expect(load([['img-idx3-ubyte', idxFile([2, 0, 4], new Uint8Array(0))]])).rejects.toThrow(
      'idx dimensions 2×0×4 include a zero',
    );
  });

  it('labels and images of different counts', async () => {
    const err = await load([
      ['train-images', images(3)],
      ['train-labels', labels([1, 2])],
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toBe('train-labels: has 2 labels but train-images has 3 images');
  });

  it('labels without images', async () => {
    await expect(load([['train-labels', labels([1, 2])]])).rejects.toThrow(
      'train-labels: holds idx labels (train-labels) but no idx images',
    );
  });

  it('2-D idx arrays are not images', async () => {
    await expect(load([['m', idxFile([3, 4], new Uint8Array(12))]])).rejects.toThrow(
      'm: idx dimensions 3×4 are not images (N×H×W or N×H×W×C with C = 1 or 3)',
    );
  });
});
