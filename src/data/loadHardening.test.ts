/**
 * Hostile inputs where archive readers nest (issue 18): one budget per load across every layer,
 * zips through the lab's own reader (CRC, sizes, encryption, ZIP64), duplicate tar members and
 * zero-filled CIFAR batches.
 */
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { DatasetError } from './errors';
import { loadDataset } from './load';
import { bytesSource } from './source';
import { cifarRecords, idxFile, tarArchive } from './testHelpers';

const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b));
const load = (name: string, bytes: Uint8Array, limits?: { maxBytes?: number; maxEntries?: number }) =>
  loadDataset([bytesSource(name, bytes)], { limits });
/** 400 kB of pixels that deflate cannot shrink much, so an archive's size is close to what it holds. */
const images = idxFile([1000, 20, 20], noise(400_000));

function noise(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, s = 1; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Offset of the first central directory record of a zip. */
function centralAt(zip: Uint8Array): number {
  const view = new DataView(zip.buffer, zip.byteOffset);
  for (let p = zip.length - 22; p >= 0; p--)
    if (view.getUint32(p, true) === 0x06054b50) return view.getUint32(p + 16, true);
  throw new Error('no end record');
}

describe('one budget per load, shared by every archive layer', () => {
  it('a zip of gzip files: each member alone fits, together they are over', async () => {
    const zip = zipSync({ 'a.idx.gz': gz(images), 'b.idx.gz': gz(images) }, { level: 0 });
    // 400 kB inflated per member, charged once by the zip layer and once by the gzip layer.
    await expect(
      load('one.zip', zipSync({ 'a.idx.gz': gz(images) }), { maxBytes: 1_000_000 }),
    ).resolves.toBeDefined();
    await expect(load('two.zip', zip, { maxBytes: 1_000_000 })).rejects.toThrow(
      /two\.zip\/[ab]\.idx\.gz: decompresses past the 976\.6 KiB limit for one load/,
    );
  });

  it('a zip inside a zip gets no second allowance', async () => {
    const inner = zipSync({ 'train-images-idx3-ubyte': images });
    const outer = zipSync({ 'inner.zip': inner });
    await expect(load('inner.zip', inner, { maxBytes: 500_000 })).resolves.toBeDefined();
    await expect(load('outer.zip', outer, { maxBytes: 500_000 })).rejects.toThrow(DatasetError);
    await expect(load('outer.zip', outer, { maxBytes: 500_000 })).rejects.toThrow(/limit for one load/);
  });

  it('several files of one load share it too', async () => {
    const a = bytesSource('a-images-idx3-ubyte.gz', gz(images));
    const b = bytesSource('b-images-idx3-ubyte.gz', gz(images));
    await expect(loadDataset([a, b], { limits: { maxBytes: 600_000 } })).rejects.toThrow(
      /b-images-idx3-ubyte\.gz: decompresses past/,
    );
  });

  it('counts entries over all layers', async () => {
    const tar = tarArchive(
      Array.from({ length: 30 }, (_, i) => ({ name: `x/${i}.txt`, data: new Uint8Array([i]) })),
    );
    const zip = zipSync({ 'a.tar': tar, 'b.tar': tar });
    await expect(load('many.zip', zip, { maxEntries: 50 })).rejects.toThrow(
      /more than the 50 archive entries allowed in one load/,
    );
  });

  it('refuses a tar member larger than what is left of the budget before sizing a buffer for it', async () => {
    // A CIFAR batch reader allocates the declared size at once; the header claims 2 MiB of records.
    const tar = tarArchive([{ name: 'c/data_batch_1.bin', data: cifarRecords([1], () => 1) }]);
    const header = tar.subarray(0, 512);
    header.set(new TextEncoder().encode((3073 * 700).toString(8).padStart(11, '0')), 124);
    header.fill(0x20, 148, 156);
    const sum = header.reduce((a, b) => a + b, 0);
    header.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\u0000 `), 148);
    await expect(load('big.tar', tar, { maxBytes: 1 << 20 })).rejects.toThrow(
      /big\.tar\/c\/data_batch_1\.bin: declares 2\.1 MiB, more than the 1\.0 MiB left of the 1\.0 MiB limit for one load/,
    );
  });

  it('stops a gzip bomb inside a zip while inflating', async () => {
    const bomb = zipSync({ 'x.bin.gz': gz(new Uint8Array(32 << 20)) });
    await expect(load('bomb.zip', bomb, { maxBytes: 4 << 20 })).rejects.toThrow(
      /bomb\.zip\/x\.bin\.gz: decompresses past the 4\.0 MiB limit/,
    );
  });
});

describe('zips go through the lab reader', () => {
  const zip = zipSync({ 'train-images-idx3-ubyte': images });

  it('a 176-byte ZIP64 archive that claims 2^32 − 1 entries is refused at once', async () => {
    const bytes = new Uint8Array(176);
    const view = new DataView(bytes.buffer);
    const eocd = 176 - 22;
    view.setUint32(eocd, 0x06054b50, true);
    view.setUint16(eocd + 8, 0xffff, true);
    view.setUint16(eocd + 10, 0xffff, true);
    view.setUint32(eocd + 12, 0xffffffff, true);
    view.setUint32(eocd + 16, 0xffffffff, true);
    bytes.set([0x50, 0x4b, 0x03, 0x04], 0);
    const t0 = performance.now();
    await expect(load('z64.zip', bytes)).rejects.toThrow(
      /z64\.zip: zip archive: ZIP64 archives are not supported/,
    );
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('an entry whose CRC-32 does not match', async () => {
    const bad = zip.slice();
    bad[centralAt(bad) + 16] ^= 0xff;
    bad[14] ^= 0xff; // the local header's copy too, so only the data disagrees
    await expect(load('crc.zip', bad)).rejects.toThrow(/crc\.zip: zip archive: .*CRC-32 .* does not match/);
  });

  it('declared sizes that lie (the local header and the directory disagree)', async () => {
    const bad = zip.slice();
    new DataView(bad.buffer).setUint32(22, 12345, true);
    await expect(load('lying.zip', bad)).rejects.toThrow(
      /lying\.zip: zip archive: entry "train-images-idx3-ubyte": local header declares size 12345/,
    );
  });

  it('an entry with the encryption flag, in either header', async () => {
    const central = zip.slice();
    central[centralAt(central) + 8] |= 1;
    await expect(load('enc.zip', central)).rejects.toThrow(/enc\.zip: zip archive: entry .* is encrypted/);
    const local = zip.slice();
    local[6] |= 1;
    await expect(load('enc.zip', local)).rejects.toThrow(/is encrypted/);
  });
});

describe('corrupt archives and batches', () => {
  it('refuses duplicate tar members', async () => {
    const batch = cifarRecords([1, 2], (i, c, p) => (i + c + p) & 0xff);
    const tar = tarArchive([
      { name: 'cifar/data_batch_1.bin', data: batch },
      { name: 'cifar/./data_batch_1.bin', data: batch },
    ]);
    await expect(load('dup.tar', tar)).rejects.toThrow(
      /dup\.tar: tar member cifar\/\.\/data_batch_1\.bin at byte 7168 appears twice/,
    );
  });

  it('refuses a zero-filled .bin (size a multiple of the record) as CIFAR-10', async () => {
    await expect(load('data_batch_1.bin', new Uint8Array(3073 * 4))).rejects.toThrow(
      /data_batch_1\.bin: file is all zero bytes: not CIFAR-10 data/,
    );
    const tar = tarArchive([{ name: 'c/test_batch.bin', data: new Uint8Array(3073 * 2) }]);
    await expect(load('c.tar', tar)).rejects.toThrow(/tar member c\/test_batch\.bin is all zero bytes/);
  });

  it('still takes a batch whose first images are black', async () => {
    const batch = cifarRecords([0, 0, 3], (i) => (i === 2 ? 9 : 0));
    const { pair } = await load('data_batch_1.bin', batch);
    expect(pair.train.count).toBe(3);
  });
});
