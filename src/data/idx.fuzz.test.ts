import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { idxTarget } from '../fuzz/dataTargets';
import { expectRefusedBeforeAllocating, fuzzIt } from '../fuzz/fuzzTest';
import { probe } from '../fuzz/harness';
import { DatasetError } from './errors';
import { MAX_ARCHIVE_DEPTH, loadDataset } from './load';
import { bytesSource } from './source';
import { idxFile } from './testHelpers';

describe('idx, gzip and zip datasets through loadDataset, fuzzed', () => {
  fuzzIt(idxTarget);

  it('refuses an idx file that declares 2^32 − 1 × 2^32 − 1 × 2^32 − 1 images before allocating', async () => {
    const lying = idxFile([2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1], new Uint8Array(16));
    await expectRefusedBeforeAllocating(
      () => loadDataset([bytesSource('train-images-idx3-ubyte', lying)]),
      DatasetError,
      /idx header says/,
    );
  });

  it('found by fuzzing: 6,000 nested gzip layers are refused after a few, fast', async () => {
    let nested = idxFile([1, 2, 2], new Uint8Array(4));
    for (let i = 0; i < 6000; i++) nested = new Uint8Array(gzipSync(nested, { level: 0 }));
    const t0 = performance.now();
    const { error, grownBytes } = await probe(() => loadDataset([bytesSource('deep.gz', nested)]));
    expect(performance.now() - t0).toBeLessThan(500);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(/nests archives more than 4 deep/);
    // Four layers of a 140 kB file, not the half gigabyte that unpacking all 6,000 leaves behind.
    expect(grownBytes).toBeLessThan(32 << 20);
  });
  it(`still opens ${MAX_ARCHIVE_DEPTH} layers: a zip of a gzipped gzip of a gzipped idx file`, async () => {
    const images = idxFile([2, 2, 2], new Uint8Array(8).fill(7));
    const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b));
    const zip = zipSync({ 'train-images-idx3-ubyte.gz.gz.gz': gz(gz(gz(images))) });
    const { pair } = await loadDataset([bytesSource('mnist.zip', zip)]);
    expect(pair.train.count).toBe(2);
    await expect(loadDataset([bytesSource('mnist.zip.gz', gz(zip))])).rejects.toThrow(/more than 4 deep/);
  });
});
