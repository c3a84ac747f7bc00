/**
 * Fuzz targets for `src/data/` through its one entry point, `loadDataset` with byte sources:
 * idx files (raw, gzipped, zipped) and CIFAR-10 (`.bin` batches, the tar archive, gzipped or not).
 * A file's name matters where the format has no magic number, so inputs are `{name, bytes}` lists.
 */
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { CIFAR_RECORD_BYTES } from '../data/cifar';
import { DatasetError, MAX_FILE_BYTES } from '../data/errors';
import { loadDataset } from '../data/load';
import { bytesSource } from '../data/source';
import { cifarRecords, idxFile, tarArchive } from '../data/testHelpers';
import type { Rng } from '../diffusion/rng';
import { tarFixtures } from './fixtures';
import { fixByMagic, tarFields, zipFields } from './formats';
import { byteGenerator, describeBytes } from './harness';
import type { FuzzTarget } from './harness';
import type { ByteSeed, Field } from './mutators';

/** One dataset file as the loader receives it. */
export interface NamedFile {
  name: string;
  bytes: Uint8Array;
}

const be32 = (at: number): Field => ({ at, width: 4, endian: 'be' });
const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b));

/**
 * A target over lists of named files: one file of the list is mutated (its seed's fields known),
 * the others are kept, so pairing logic (images with labels, train with test) is reached too.
 */
function datasetTarget(
  name: string,
  seedLists: readonly NamedFile[][],
  fieldsOf: (f: NamedFile) => Field[],
): FuzzTarget<NamedFile[]> {
  const generators = seedLists.map((list) =>
    list.map((f) =>
      byteGenerator([{ bytes: f.bytes, fields: fieldsOf(f) }], {
        structured: nestArchives,
        fixup: fixByMagic,
      }),
    ),
  );
  const total = (files: NamedFile[]) => files.reduce((n, f) => n + f.bytes.length, 0);
  return {
    name,
    generate: (rng: Rng) => {
      const k = rng.int(seedLists.length);
      const victim = rng.int(seedLists[k].length);
      return seedLists[k].map((f, i) => (i === victim ? { name: f.name, bytes: generators[k][i](rng) } : f));
    },
    run: (files) => loadDataset(files.map((f) => bytesSource(f.name, f.bytes))),
    allowed: [DatasetError],
    // A file's declared sizes are trusted up to the loader's 1 GiB limit (MAX_FILE_BYTES).
    maxAllocBytes: (files) => MAX_FILE_BYTES + 16 * total(files),
    describe: (files) => files.map((f) => `${f.name}: ${describeBytes(f.bytes)}`).join('; '),
  };
}

/** Levels of the rare deeply nested input: at ~23 bytes a level, a 230 kB file. */
const DEEP_LEVELS = 10_000;
let deepNest: Uint8Array | undefined;

/**
 * The seed inside archives: one to three layers of gzip or zip (as a learner's `mnist.zip` of
 * `.gz` files is), or, rarely, ten thousand gzip layers around a small idx file (built once: it
 * takes a second), which a loader that unpacks whatever it finds inflates ten thousand times over.
 */
function nestArchives(rng: Rng, seed: ByteSeed): Uint8Array {
  if (rng.int(200) === 0) {
    if (!deepNest) {
      deepNest = idxFile([1, 2, 2], new Uint8Array(4));
      for (let i = 0; i < DEEP_LEVELS; i++) deepNest = new Uint8Array(gzipSync(deepNest, { level: 0 }));
    }
    return deepNest;
  }
  const names = ['inner', 'data_batch_1.bin', 'x.gz', 'train-images-idx3-ubyte'];
  let out = seed.bytes;
  for (let k = 1 + rng.int(3); k > 0; k--)
    out = rng.int(2) === 0 ? gz(out) : zipSync({ [names[rng.int(names.length)]]: out });
  return out;
}

/** idx files: 3 images of 4×4 with their labels, raw, gzipped and zipped; an RGB rank-4 file. */
export function idxTarget(): FuzzTarget<NamedFile[]> {
  const images = idxFile(
    [3, 4, 4],
    new Uint8Array(48).map((_, i) => i * 5),
  );
  const labels = idxFile([3], new Uint8Array([2, 0, 1]));
  const rgb = idxFile([2, 2, 2, 3], new Uint8Array(24).fill(9));
  const zip = zipSync({ 'train-images-idx3-ubyte': images, 'train-labels-idx1-ubyte': labels });
  const seeds: NamedFile[][] = [
    [{ name: 'train-images-idx3-ubyte', bytes: images }],
    [
      { name: 'train-images-idx3-ubyte', bytes: images },
      { name: 'train-labels-idx1-ubyte', bytes: labels },
    ],
    [
      { name: 't10k-images-idx3-ubyte.gz', bytes: gz(images) },
      { name: 't10k-labels-idx1-ubyte.gz', bytes: gz(labels) },
    ],
    [{ name: 'mnist.zip', bytes: zip }],
    [{ name: 'colour.idx', bytes: rgb }],
  ];
  const idxDims = (b: Uint8Array) =>
    Array.from({ length: Math.min(b[3] ?? 0, 4) }, (_, i) => be32(4 + 4 * i));
  return datasetTarget('idx, gzip, zip datasets (loadDataset)', seeds, (f) =>
    f.name.endsWith('.zip')
      ? zipFields(f.bytes)
      : f.name.endsWith('.gz')
        ? [{ at: f.bytes.length - 4, width: 4, endian: 'le' }]
        : [{ at: 2, width: 1, endian: 'be' }, { at: 3, width: 1, endian: 'be' }, ...idxDims(f.bytes)],
  );
}

/** CIFAR-10: `.bin` batches of two records, the archive layout as tar and tar.gz, and ustar/GNU/pax tars. */
export function cifarTarget(): FuzzTarget<NamedFile[]> {
  const batch = cifarRecords([3, 7], (i, c, p) => (i * 31 + c * 7 + p) & 0xff);
  const test = cifarRecords([9], (_, c, p) => (c + p) & 0xff);
  const meta = new TextEncoder().encode(
    ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck', ''].join('\n'),
  );
  const tar = tarArchive([
    { name: 'cifar-10-batches-bin/batches.meta.txt', data: meta },
    { name: 'cifar-10-batches-bin/data_batch_1.bin', data: batch },
    { name: 'cifar-10-batches-bin/test_batch.bin', data: test },
  ]);
  const seeds: NamedFile[][] = [
    [{ name: 'data_batch_1.bin', bytes: batch }],
    [
      { name: 'data_batch_1.bin', bytes: batch },
      { name: 'test_batch.bin', bytes: test },
    ],
    [{ name: 'cifar-10-binary.tar', bytes: tar }],
    [{ name: 'cifar-10-binary.tar.gz', bytes: gz(tar) }],
    ...tarFixtures().map((t) => [{ name: 'archive.tar', bytes: t }]),
  ];
  // Sizes a tar header can declare for a batch: whole records just under, at and past the 1 GiB limit.
  const records = [349_411, 349_412, 2 ** 21].map((n) => n * CIFAR_RECORD_BYTES);
  const sized = (fields: Field[]) =>
    fields.map((f) => (f.endian === 'octal' ? { ...f, values: records } : f));
  return datasetTarget('CIFAR-10 bin, tar, tar.gz (loadDataset)', seeds, (f) =>
    f.name.endsWith('.tar')
      ? sized(tarFields(f.bytes))
      : f.name.endsWith('.gz')
        ? [{ at: f.bytes.length - 4, width: 4, endian: 'le' }]
        : [],
  );
}
