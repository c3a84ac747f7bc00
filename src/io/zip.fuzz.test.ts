import { zipFields } from '../fuzz/formats';
import { expectRefusedBeforeAllocating, fuzzIt } from '../fuzz/fuzzTest';
import { FUZZ_ZIP_LIMITS, zipTarget } from '../fuzz/ioTargets';
import { writeField } from '../fuzz/mutators';
import { ZipError, readZip, writeZip } from './zip';

const zip = writeZip(new Map([['a.txt', new TextEncoder().encode('hello '.repeat(50))]]));

describe('readZip, fuzzed', () => {
  fuzzIt(zipTarget);

  it('refuses an entry that declares 4 GiB uncompressed before inflating', async () => {
    const lying = zip.slice();
    // The central record's uncompressed size is its second field.
    writeField(lying, zipFields(zip)[5], 2 ** 32 - 1);
    await expectRefusedBeforeAllocating(() => readZip(lying), ZipError, /would inflate to 4294967295 bytes/);
  });
  it('refuses 65,534 declared entries over the entry limit before reading them', async () => {
    const many = zip.slice();
    writeField(many, zipFields(zip)[1], 65_534);
    await expectRefusedBeforeAllocating(
      () => readZip(many, FUZZ_ZIP_LIMITS),
      ZipError,
      /65534 entries, over the limit of 1000/,
    );
  });
});
