import { readFileSync } from 'node:fs';
import { deflateSync } from 'fflate';
import { crc32 } from './crc32';
import { UnsafePathError, ZipError, normalizeRelativePath, readZip, writeZip } from './zip';

const fixture = JSON.parse(
  readFileSync(new URL('../../scripts/reference/fixtures/io_zip.json', import.meta.url), 'utf8'),
) as {
  zip: string;
  files: Record<string, string>;
};
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const utf8 = (s: string) => new TextEncoder().encode(s);

interface RawEntry {
  name: string;
  data: Uint8Array;
  method?: 0 | 8 | 12;
  declaredSize?: number;
  crc?: number;
  flags?: number;
  /** Bytes to store as the entry's data instead of `data` (deflated when method is 8). */
  compressed?: Uint8Array;
  /** Point this central record at the local header of an earlier entry (overlapping-file bombs). */
  sameDataAs?: number;
}

/** A hand-made archive, so tests can lie in ways no real writer would. */
function makeZip(entries: RawEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  const offsets: number[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const name = utf8(e.name);
    const method = e.method ?? 0;
    const body = e.compressed ?? (method === 8 ? deflateSync(e.data) : e.data);
    const fields = (h: DataView, base: number) => {
      h.setUint16(base + 0, e.flags ?? 0x800, true);
      h.setUint16(base + 2, method, true);
      h.setUint32(base + 8, e.crc ?? crc32(e.data), true);
      h.setUint32(base + 12, body.length, true);
      h.setUint32(base + 16, e.declaredSize ?? e.data.length, true);
      h.setUint16(base + 20, name.length, true);
    };
    if (e.sameDataAs === undefined) {
      const local = new Uint8Array(30 + name.length + body.length);
      const lv = new DataView(local.buffer);
      lv.setUint32(0, 0x04034b50, true);
      fields(lv, 6);
      local.set(name, 30);
      local.set(body, 30 + name.length);
      offsets[i] = offset;
      offset += local.length;
      locals.push(local);
    } else offsets[i] = offsets[e.sameDataAs];
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    fields(cv, 8);
    cv.setUint32(42, offsets[i], true);
    central.set(name, 46);
    centrals.push(central);
  });
  const cdSize = centrals.reduce((s, c) => s + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return new Uint8Array(Buffer.concat([...locals, ...centrals, eocd]));
}

const rejects = (bytes: Uint8Array, message: RegExp, limits?: Parameters<typeof readZip>[1]) => {
  expect(() => readZip(bytes, limits)).toThrow(ZipError);
  expect(() => readZip(bytes, limits)).toThrow(message);
};

describe('readZip', () => {
  it('reads an archive written by Python zipfile, dropping directories and macOS junk', () => {
    const files = readZip(b64(fixture.zip));
    expect([...files.keys()].sort()).toEqual(Object.keys(fixture.files).sort());
    for (const [name, data] of Object.entries(fixture.files))
      expect(Buffer.from(files.get(name)!).equals(Buffer.from(b64(data)))).toBe(true);
  });
  it('reads hand-made stored and deflated entries', () => {
    const data = utf8('hello '.repeat(100));
    const files = readZip(
      makeZip([
        { name: 'a.txt', data },
        { name: 'dir\\b.txt', data, method: 8 },
      ]),
    );
    expect(files.get('a.txt')).toEqual(data);
    expect(files.get('dir/b.txt')).toEqual(data);
  });
  it('reads an empty deflated entry that has no compressed bytes at all', () => {
    const zip = makeZip([
      { name: 'empty', data: new Uint8Array(0), method: 8, compressed: new Uint8Array(0) },
    ]);
    expect(readZip(zip).get('empty')).toEqual(new Uint8Array(0));
  });
  it('rejects archives whose declared sizes or entry count are over the limits, before inflating', () => {
    const big = { name: 'x', data: new Uint8Array(10), declaredSize: 600_000_000 };
    rejects(
      makeZip([big, { ...big, name: 'y' }]),
      /would inflate to 1200000000 bytes, over the 1073741824-byte limit/,
    );
    // 100 central records sharing one local file: the classic overlapping zip bomb.
    const shared = Array.from({ length: 100 }, (_, i): RawEntry => ({
      name: `f${i}`,
      data: new Uint8Array(1),
      declaredSize: 20_000_000,
      sameDataAs: i ? 0 : undefined,
    }));
    rejects(makeZip(shared), /would inflate to 2000000000 bytes/);
    rejects(
      makeZip([1, 2, 3, 4].map((i) => ({ name: `f${i}`, data: new Uint8Array(1) }))),
      /archive has 4 entries, over the limit of 3/,
      { maxEntries: 3 },
    );
    rejects(makeZip([{ name: 'x', data: new Uint8Array(100) }]), /over the 50-byte limit/, {
      maxTotalBytes: 50,
    });
  });
  it('stops an entry that inflates past its declared size (a lying zip bomb)', () => {
    const zeros = new Uint8Array(1024 * 1024);
    rejects(
      makeZip([{ name: 'bomb.bin', data: zeros, method: 8, declaredSize: 1000 }]),
      /entry "bomb.bin": data inflates to more than the expected 1000 bytes/,
    );
    rejects(
      makeZip([{ name: 'short.bin', data: zeros.subarray(0, 100), method: 8, declaredSize: 1000 }]),
      /entry "short.bin": data inflates to 100 bytes, expected 1000/,
    );
  });
  it('rejects path traversal and absolute names', () => {
    for (const name of [
      '../evil.txt',
      'a/../../evil.txt',
      '/etc/passwd',
      'C:\\Windows\\x.dll',
      'a\\..\\..\\b',
      '..',
    ]) {
      rejects(
        makeZip([{ name, data: new Uint8Array(1) }]),
        /unsafe entry name: path .* (is absolute|climbs out of its folder)/,
      );
    }
  });
  it('rejects corrupt, truncated, encrypted and unsupported archives', () => {
    const data = utf8('payload');
    rejects(
      makeZip([{ name: 'a', data, crc: 12345 }]),
      /entry "a": CRC-32 0x[0-9a-f]{8} does not match the recorded 0x00003039/,
    );
    const good = makeZip([{ name: 'a', data, method: 8 }]);
    rejects(good.subarray(0, good.length - 30), /no end-of-central-directory record/);
    rejects(new Uint8Array(10), /too short for a zip archive/);
    rejects(makeZip([{ name: 'a', data, flags: 1 }]), /entry "a" is encrypted/);
    rejects(makeZip([{ name: 'a', data, method: 12 }]), /entry "a": compression method 12 is not supported/);
    rejects(
      makeZip([
        { name: 'a', data },
        { name: 'a', data },
      ]),
      /entry "a" appears twice/,
    );
    const corruptDeflate = makeZip([{ name: 'a', data: utf8('x'.repeat(1000)), method: 8 }]);
    corruptDeflate[30 + 1] = 0b111; // final block of the reserved type 3
    rejects(corruptDeflate, /entry "a": corrupt compressed data \(invalid block type\)/);
  });
});

describe('writeZip', () => {
  it('round-trips files, storing weights and deflating text', () => {
    const weights = new Uint8Array(4000).map((_, i) => (i * 7919) & 0xff);
    const config = utf8('{"a": 1}\n'.repeat(200));
    const zip = writeZip(
      new Map([
        ['unet/diffusion_pytorch_model.safetensors', weights],
        ['unet/config.json', config],
        ['é.txt', utf8('é')],
      ]),
    );
    const back = readZip(zip);
    expect(back.get('unet/diffusion_pytorch_model.safetensors')).toEqual(weights);
    expect(back.get('unet/config.json')).toEqual(config);
    expect(back.get('é.txt')).toEqual(utf8('é'));
    expect(zip.length).toBeLessThan(weights.length + config.length / 4);
  });
  it('refuses unsafe, empty or duplicate names', () => {
    expect(() => writeZip(new Map([['../x', new Uint8Array(1)]]))).toThrow(
      /cannot write entry: path "..\/x" climbs out/,
    );
    expect(() => writeZip(new Map([['./', new Uint8Array(1)]]))).toThrow(/empty name/);
    expect(() =>
      writeZip(
        new Map([
          ['a/b', new Uint8Array(1)],
          ['a//b', new Uint8Array(1)],
        ]),
      ),
    ).toThrow(/entry "a\/b" given twice/);
  });
});

describe('normalizeRelativePath', () => {
  it('normalises separators and dot segments', () => {
    expect(normalizeRelativePath('.\\unet\\.\\config.json')).toBe('unet/config.json');
    expect(normalizeRelativePath('a//b/')).toBe('a/b');
  });
  it('throws UnsafePathError for NUL, absolute and climbing paths', () => {
    expect(() => normalizeRelativePath('a\0b')).toThrow(UnsafePathError);
    expect(() => normalizeRelativePath('\\\\server\\share')).toThrow(/is absolute/);
  });
});
