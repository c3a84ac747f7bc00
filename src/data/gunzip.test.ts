import { gzipSync } from 'node:zlib';
import { DatasetError, datasetBudget } from './errors';
import { GunzipStream } from './gunzip';
import { concat } from './source';

/** Deterministic pseudo-random bytes with some repetition, so deflate uses both literals and matches. */
function payload(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = i % 7 === 0 ? 42 : s >>> 24;
  }
  return out;
}

function gunzipChunks(name: string, gz: Uint8Array, chunk: number, maxBytes?: number): Uint8Array {
  const out: Uint8Array[] = [];
  const g = new GunzipStream(name, (c) => out.push(c), datasetBudget(maxBytes ? { maxBytes } : {}));
  for (let i = 0; i < gz.length; i += chunk) g.push(gz.subarray(i, i + chunk));
  g.finish();
  return concat(out);
}

const data = payload(200_000);
const gz = new Uint8Array(gzipSync(data));

describe('GunzipStream', () => {
  it('inflates node:zlib output exactly, whatever the chunking', () => {
    for (const chunk of [13, 4096, gz.length]) expect(gunzipChunks('a.gz', gz, chunk)).toEqual(data);
  });

  it('takes multi-member files (concatenated gzip streams)', () => {
    const two = concat([gz, new Uint8Array(gzipSync(data.subarray(0, 1000)))]);
    expect(gunzipChunks('two.gz', two, 5000)).toEqual(concat([data, data.subarray(0, 1000)]));
  });

  it.each([
    ['inside the deflate data', 1000],
    ['inside the trailer', gz.length - 3],
    ['right before the trailer', gz.length - 8],
  ])('rejects a file truncated %s, naming the file', (_, cut) => {
    expect(() => gunzipChunks('cut.gz', gz.subarray(0, cut), 4096)).toThrow(DatasetError);
    expect(() => gunzipChunks('cut.gz', gz.subarray(0, cut), 4096)).toThrow(/cut\.gz: gzip .*truncated/);
  });

  it('rejects a flipped bit that inflate alone would let through (CRC-32 check)', () => {
    let caught = 0;
    // Flip one bit at several places in the deflate data: each must fail one way or another.
    const places = [100, Math.floor(gz.length / 3), Math.floor((gz.length * 2) / 3), gz.length - 20];
    for (const at of places) {
      const bad = gz.slice();
      bad[at] ^= 0x10;
      try {
        gunzipChunks('flip.gz', bad, 4096);
      } catch (err) {
        expect(err).toBeInstanceOf(DatasetError);
        expect((err as Error).message).toMatch(/^flip\.gz: gzip .*(corrupt|truncated)/);
        caught++;
      }
    }
    expect(caught).toBe(4);
  });

  it('rejects a wrong CRC in an otherwise intact file', () => {
    const bad = gz.slice();
    bad[gz.length - 8] ^= 0xff;
    expect(() => gunzipChunks('crc.gz', bad, 4096)).toThrow('crc.gz: gzip data is corrupt (CRC-32 mismatch)');
  });

  it('rejects data that is not gzip', () => {
    expect(() => gunzipChunks('plain.gz', data, 4096)).toThrow('plain.gz: is not a gzip file');
  });

  it('stops a stream that decompresses past its limit', () => {
    expect(() => gunzipChunks('bomb.gz', gz, 4096, 100_000)).toThrow(
      /bomb\.gz: decompresses past the 97\.7 KiB limit for one load/,
    );
  });

  it('stops a bomb within one input slice of the limit, not after a whole read chunk', () => {
    // 4 MiB of compressed zeros inflate to ~4 GB; pushed as one chunk the old stream inflated all of it.
    const bomb = new Uint8Array(gzipSync(new Uint8Array(64 << 20)));
    const budget = datasetBudget({ maxBytes: 1 << 20 });
    const g = new GunzipStream('zeros.gz', () => {}, budget);
    expect(() => g.push(bomb)).toThrow(/zeros\.gz: decompresses past the 1\.0 MiB limit/);
    expect(budget.bytes).toBeLessThan((1 << 20) + 20 * 1024 * 1024);
  });

  it('shares the budget with the other layers of the load', () => {
    const budget = datasetBudget({ maxBytes: 300_000 });
    gunzipChunks('first.gz', gz, 4096, undefined);
    new GunzipStream('a.gz', () => {}, budget).push(gz);
    expect(() => new GunzipStream('b.gz', () => {}, budget).push(gz)).toThrow(/b\.gz: decompresses past/);
  });

  it.each([
    ['CRC-32 of the first member', 0, /CRC-32 mismatch, member 1/],
    ['length of the first member', 4, /\(member 1\): trailer says \d+ bytes, got 200000/],
  ])('checks every member of a multi-member file: a bad %s', (_, offset, message) => {
    const second = new Uint8Array(gzipSync(data.subarray(0, 1000)));
    const two = concat([gz, second]);
    two[gz.length - 8 + offset] ^= 0x01;
    for (const chunk of [7, 4096, two.length])
      expect(() => gunzipChunks('two.gz', two, chunk)).toThrow(message);
  });

  it('checks the last member of a multi-member file', () => {
    const two = concat([gz, new Uint8Array(gzipSync(data.subarray(0, 1000)))]);
    two[two.length - 1] ^= 0x01;
    expect(() => gunzipChunks('two.gz', two, 4096)).toThrow(/trailer says/);
  });
});
