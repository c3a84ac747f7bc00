import { gzipSync } from 'node:zlib';
import type { ByteSource, LoadProgress } from './types';
import { DatasetError, MAX_FILE_BYTES, checkSize } from './errors';
import { loadDataset } from './load';
import { blobSource, bytesSource } from './source';
import { chunkedSource, cifarRecords, idxFile, tarArchive } from './testHelpers';

describe('checkSize', () => {
  it('states the 1 GiB limit and refuses a multi-GB file', () => {
    expect(MAX_FILE_BYTES).toBe(2 ** 30);
    expect(() => checkSize('big.tar.gz', MAX_FILE_BYTES)).not.toThrow();
    expect(() => checkSize('big.tar.gz', 5 * 2 ** 30)).toThrow(
      'big.tar.gz: 5.0 GiB is larger than the 1.0 GiB limit for a dataset file',
    );
  });

  it('refuses a huge source from its size, before reading a byte', async () => {
    let read = false;
    const huge: ByteSource = {
      name: 'huge.bin',
      size: 3 * 2 ** 30,
      chunks() {
        read = true;
        throw new Error('must not be read');
      },
    };
    await expect(
      loadDataset([
        bytesSource(
          'ok.bin',
          cifarRecords([1], () => 0),
        ),
        huge,
      ]),
    ).rejects.toThrow('huge.bin: 3.0 GiB is larger than the 1.0 GiB limit');
    expect(read).toBe(false);
  });
});

describe('loadDataset', () => {
  const cifarTarGz = new Uint8Array(
    gzipSync(
      tarArchive([
        { name: 'd/data_batch_1.bin', data: cifarRecords([4, 5, 6], (i, c, p) => (i + c + p) % 256) },
      ]),
    ),
  );

  it('streams an archive delivered in odd chunks (a 1-byte first chunk, tiny tar blocks)', async () => {
    const whole = await loadDataset([bytesSource('c.tgz', cifarTarGz)]);
    const chunked = await loadDataset([chunkedSource('c.tgz', cifarTarGz, [1, 3, 700])]);
    expect(chunked.pair.train.images).toEqual(whole.pair.train.images);
    expect(Array.from(chunked.pair.train.labels)).toEqual([4, 5, 6]);
  });

  it('reads a Blob (what the browser file picker gives) slice by slice', async () => {
    const { pair } = await loadDataset([blobSource('c.tgz', new Blob([cifarTarGz]))]);
    expect(Array.from(pair.train.labels)).toEqual([4, 5, 6]);
  });

  it('reads an uncompressed tar too, and idx files inside a tar.gz', async () => {
    const tar = tarArchive([{ name: 'd/data_batch_1.bin', data: cifarRecords([1], () => 0) }]);
    expect((await loadDataset([bytesSource('c.tar', tar)])).pair.train.count).toBe(1);
    const idxTar = tarArchive([
      { name: 'mnist/train-images-idx3-ubyte', data: idxFile([2, 2, 2], new Uint8Array(8)) },
      { name: 'mnist/train-labels-idx1-ubyte', data: idxFile([2], Uint8Array.from([0, 1])) },
    ]);
    const { pair } = await loadDataset([bytesSource('mnist.tar.gz', new Uint8Array(gzipSync(idxTar)))]);
    expect(pair.train).toMatchObject({ count: 2, height: 2, width: 2 });
  });

  it('reports progress across all files, ending at the total', async () => {
    const seen: LoadProgress[] = [];
    const a = cifarRecords([1, 2], () => 0);
    await loadDataset(
      [chunkedSource('data_batch_1.bin', a, [4000]), chunkedSource('test_batch.bin', a, [4000])],
      { onProgress: (p) => seen.push(p) },
    );
    expect(seen.map((p) => p.bytesDone)).toEqual([4000, a.length, a.length + 4000, 2 * a.length]);
    expect(seen.every((p) => p.bytesTotal === 2 * a.length)).toBe(true);
  });

  it('names the load when given several files', async () => {
    const err = await loadDataset([
      bytesSource('x.txt', new Uint8Array(1)),
      bytesSource('y.txt', new Uint8Array(1)),
    ]).catch((e: unknown) => e);
    expect((err as DatasetError).file).toBe('2 files');
  });
});

describe('bad input to loadDataset', () => {
  it('no files', async () => {
    await expect(loadDataset([])).rejects.toThrow('input: no files given');
  });

  it('CIFAR batches mixed with idx files', async () => {
    await expect(
      loadDataset(
        [
          bytesSource(
            'data_batch_1.bin',
            cifarRecords([1], () => 0),
          ),
          bytesSource('imgs', idxFile([1, 1, 1], new Uint8Array(1))),
        ],
        { name: 'mix' },
      ),
    ).rejects.toThrow('mix: mixes CIFAR-10 batches and idx files; load one dataset at a time');
  });

  it('a corrupt gzip (flipped byte) names the file', async () => {
    const gz = new Uint8Array(
      gzipSync(
        idxFile(
          [4, 8, 8],
          Uint8Array.from({ length: 256 }, (_, i) => (i * 13) % 256),
        ),
      ),
    );
    gz[gz.length - 12] ^= 0x55;
    const err = await loadDataset([bytesSource('t10k-images-idx3-ubyte.gz', gz)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(
      /^t10k-images-idx3-ubyte\.gz: gzip data is (truncated or )?corrupt/,
    );
  });

  it('an empty file', async () => {
    await expect(loadDataset([bytesSource('empty.bin', new Uint8Array(0))])).rejects.toThrow(
      'empty.bin: is 0 bytes, not a multiple of the 3,073-byte CIFAR-10 record',
    );
  });
});
