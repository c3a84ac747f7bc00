import { gzipSync } from 'node:zlib';
import { CifarBatchReader } from './cifar';
import { DatasetError } from './errors';
import { loadDataset } from './load';
import { bytesSource } from './source';
import { cifarRecords, tarArchive } from './testHelpers';
import { CIFAR_MINI, cifarStats, describeCifarArchive } from './cifarArchive.testSuite';

describeCifarArchive(CIFAR_MINI, cifarStats('cifar_mini'));

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
