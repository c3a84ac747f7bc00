import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors';
import { TarReader } from './tar';
import { concat } from './source';
import { tarArchive } from './testHelpers';

interface TarFixture {
  files: { name: string; base64: string }[];
  archives: Record<string, string>;
}
const fixture = JSON.parse(
  readFileSync(join(process.cwd(), 'scripts/reference/fixtures/data_tar.json'), 'utf8'),
) as TarFixture;
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/** Reads a whole archive in chunks of `chunk` bytes; returns the regular files in order. */
function readTar(name: string, tar: Uint8Array, chunk: number): { name: string; data: Uint8Array }[] {
  const files: { name: string; data: Uint8Array }[] = [];
  const reader = new TarReader(name, (entry) => {
    const parts: Uint8Array[] = [];
    return {
      write: (c) => parts.push(c.slice()),
      end: () => files.push({ name: entry.name, data: concat(parts) }),
    };
  });
  for (let i = 0; i < tar.length; i += chunk) reader.push(tar.subarray(i, i + chunk));
  reader.finish();
  return files;
}

describe('TarReader', () => {
  const expected = fixture.files.map((f) => ({ name: f.name, data: b64(f.base64) }));

  it.each(['ustar', 'gnu', 'pax'])(
    'reads the regular files of a Python-written %s archive (long names, skipping dirs and links)',
    (format) => {
      const tar = new Uint8Array(gunzipSync(b64(fixture.archives[format])));
      for (const chunk of [1, 100, 512, 513, tar.length])
        expect(readTar(`${format}.tar`, tar, chunk)).toEqual(expected);
    },
  );

  it('reports a member cut short by the end of the archive, with its size', () => {
    const tar = tarArchive([{ name: 'data_batch_1.bin', data: new Uint8Array(3000) }]);
    expect(() => readTar('cut.tar', tar.subarray(0, 512 + 1000), 512)).toThrow(
      'cut.tar: tar member data_batch_1.bin is truncated: the archive ends after 1000 of its 3000 bytes',
    );
  });

  it('reports an archive cut inside a header', () => {
    const tar = tarArchive([{ name: 'a', data: new Uint8Array(10) }]);
    expect(() => readTar('cut.tar', tar.subarray(0, 1024 + 100), 512)).toThrow(
      /cut\.tar: tar archive is truncated inside a header at byte 1124/,
    );
  });

  it('rejects a header whose checksum does not match (corruption), naming the offset', () => {
    const tar = tarArchive([
      { name: 'a', data: new Uint8Array(10) },
      { name: 'b', data: new Uint8Array(10) },
    ]);
    tar[1024 + 5] ^= 1;
    expect(() => readTar('bad.tar', tar, 4096)).toThrow(DatasetError);
    expect(() => readTar('bad.tar', tar, 4096)).toThrow(
      'bad.tar: is not a tar archive or is corrupt (bad header checksum at byte 1024)',
    );
  });
});
