import { gzipSync } from 'node:zlib';
import { DatasetError } from '../data/errors';
import { loadDataset } from '../data/load';
import { bytesSource } from '../data/source';
import { tarArchive } from '../data/testHelpers';
import { Rng } from '../diffusion/rng';
import { decodePng } from '../io/png';
import { pngFixtures } from './fixtures';
import { fixGzipTrailer, fixPngCrcs, fixTarChecksums, tarFields } from './formats';
import { byteGenerator, fuzzCount, inputRng, runFuzz } from './harness';
import type { FuzzTarget } from './harness';
import { cloneJson, mutateJsonText, mutateJsonValue } from './jsonMutators';
import { havoc, writeField } from './mutators';

class OwnError extends Error {}

/** A target over the numbers 0..99 whose parser misbehaves in the way `fault` says on 7. */
function target(fault: (x: number) => void, maxAllocBytes = 0): FuzzTarget<number> {
  return {
    name: 'toy',
    generate: (rng) => rng.int(100),
    run: (x) => {
      if (x === 7) fault(x);
      if (x % 2 === 1) throw new OwnError(`odd ${x}`);
    },
    allowed: [OwnError],
    maxAllocBytes: () => maxAllocBytes,
    describe: String,
  };
}

describe('runFuzz', () => {
  it('counts accepted and rejected inputs and reports no findings for a well-behaved parser', async () => {
    const r = await runFuzz(
      target(() => {}),
      { n: 500 },
    );
    expect(r.findings).toEqual([]);
    expect(r.accepted + r.rejected).toBe(500);
    expect(r.accepted).toBeGreaterThan(150);
    expect(r.rejected).toBeGreaterThan(150);
  });
  it('reports a foreign error with the index that reproduces it', async () => {
    const r = await runFuzz(
      target(() => {
        throw new TypeError('x is undefined');
      }),
      { n: 500, seed: 3 },
    );
    expect(r.findings.length).toBeGreaterThan(0);
    for (const f of r.findings) {
      expect(f.kind).toBe('unexpected-error');
      expect(f.detail).toMatch(/^TypeError: x is undefined/);
      expect(inputRng(3, f.index).int(100)).toBe(7);
    }
  });
  it('reports an input that takes more CPU time than the limit', async () => {
    const busy = () => {
      const start = process.cpuUsage();
      while (process.cpuUsage(start).user < 30_000);
    };
    const r = await runFuzz(target(busy), { n: 300, slowMs: 20 });
    expect(r.findings.map((f) => f.kind)).toContain('slow');
  });
  it('reports an allocation past the stated limit, even when the parser then throws its own error', async () => {
    let kept: Uint8Array | undefined;
    const r = await runFuzz(
      target(() => {
        kept = new Uint8Array(64 << 20).fill(1);
        throw new OwnError('too big after all');
      }),
      { n: 300 },
    );
    expect(kept?.length).toBe(64 << 20);
    expect(r.findings.map((f) => f.kind)).toContain('allocation');
    expect(r.maxAllocBytes).toBeGreaterThanOrEqual(64 << 20);
  });
  it('is deterministic in (seed, index), and resumes from a start index', async () => {
    const seen: number[][] = [[], []];
    for (const [k, start] of [0, 100].entries())
      await runFuzz({ ...target(() => {}), run: (x) => void seen[k].push(x) }, { n: 100, seed: 9, start });
    expect(seen[0]).toEqual(Array.from({ length: 100 }, (_, i) => inputRng(9, i).int(100)));
    expect(seen[1][0]).toBe(inputRng(9, 100).int(100));
  });
  it('stops at the time budget', async () => {
    const r = await runFuzz(
      { ...target(() => {}), run: () => new Promise((res) => setTimeout(res, 5)) },
      { n: 10_000, budgetMs: 100 },
    );
    expect(r.inputs).toBeLessThan(100);
  });
});

describe('fuzzCount', () => {
  afterEach(() => {
    delete process.env.FUZZ_N;
  });
  it('is 10,000 unless FUZZ_N says otherwise, and refuses a FUZZ_N that is not a positive integer', () => {
    delete process.env.FUZZ_N;
    expect(fuzzCount()).toBe(10_000);
    process.env.FUZZ_N = '250';
    expect(fuzzCount()).toBe(250);
    process.env.FUZZ_N = '1e3x';
    expect(() => fuzzCount()).toThrow(/FUZZ_N = "1e3x" is not allowed/);
  });
});

describe('mutators', () => {
  it('writes fields little-endian, big-endian and as octal text', () => {
    const out = new Uint8Array(12);
    writeField(out, { at: 0, width: 4, endian: 'le' }, 0x01020304);
    writeField(out, { at: 4, width: 2, endian: 'be' }, 0x0506);
    writeField(out, { at: 6, width: 6, endian: 'octal' }, 8);
    expect([...out]).toEqual([4, 3, 2, 1, 5, 6, 0x30, 0x30, 0x30, 0x31, 0x30, 0]);
    const wide = new Uint8Array(8);
    writeField(wide, { at: 0, width: 8, endian: 'le' }, 2 ** 64 - 1);
    expect([...wide]).toEqual(new Array(8).fill(255));
  });
  it('never modifies the seed, and changes the input in most cases', () => {
    const bytes = new Uint8Array(64).map((_, i) => i);
    const seed = { bytes, fields: [{ at: 0, width: 4 as const, endian: 'le' as const }] };
    let changed = 0;
    for (let i = 0; i < 200; i++) {
      const out = havoc(new Rng(i), seed, [seed]);
      if (out.length !== 64 || out.some((b, k) => b !== k)) changed++;
    }
    expect([...bytes]).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(changed).toBeGreaterThan(180);
  });
  it('byteGenerator mixes random bytes and mutations of every seed', () => {
    const seeds = [{ bytes: new Uint8Array(32).fill(1) }, { bytes: new Uint8Array(32).fill(2) }];
    const generate = byteGenerator(seeds);
    const inputs = Array.from({ length: 300 }, (_, i) => generate(new Rng(i)));
    for (const fill of [1, 2])
      expect(inputs.filter((b) => b.filter((x) => x === fill).length > 16).length).toBeGreaterThan(50);
  });
});

describe('JSON mutators', () => {
  const seed = { a: 1, b: [1, 2, { c: 'x' }], d: { e: null } };

  it('edit a copy: the seed is untouched and most results differ from it', () => {
    const before = JSON.stringify(seed);
    let differ = 0;
    for (let i = 0; i < 200; i++) if (JSON.stringify(mutateJsonValue(new Rng(i), seed)) !== before) differ++;
    expect(JSON.stringify(seed)).toBe(before);
    expect(differ).toBeGreaterThan(150);
  });
  it('are a pure function of the generator: no edit leaks into the next input', () => {
    const run = () =>
      Array.from({ length: 300 }, (_, i) => JSON.stringify(mutateJsonValue(new Rng(i), seed)));
    const first = run();
    expect(run()).toEqual(first);
  });
  it('keep "__proto__" as an own key when copying, instead of changing the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    const copy = cloneJson(parsed) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });
  it('text edits produce both valid and invalid JSON, including nesting past 4,000 levels', () => {
    let valid = 0;
    let deep = 0;
    for (let i = 0; i < 300; i++) {
      const text = mutateJsonText(new Rng(i), JSON.stringify(seed));
      try {
        JSON.parse(text);
        valid++;
      } catch {
        // invalid JSON is half the point
      }
      if (text.includes('['.repeat(4000))) deep++;
    }
    expect(valid).toBeGreaterThan(30);
    expect(valid).toBeLessThan(270);
    expect(deep).toBeGreaterThan(10);
  });
});

describe('format repairs', () => {
  it('leave valid files unchanged (PNG CRCs, tar sums, gzip trailers)', () => {
    for (const png of pngFixtures()) expect(fixPngCrcs(png)).toEqual(png);
    const tar = tarArchive([{ name: 'a.txt', data: new Uint8Array(700).fill(65) }]);
    expect(fixTarChecksums(tar)).toEqual(tar);
    const gz = new Uint8Array(gzipSync(new Uint8Array(1000).fill(3)));
    expect(fixGzipTrailer(gz)).toEqual(gz);
  });
  it('make a PNG with an edited chunk decodable again', () => {
    const png = pngFixtures()[3].slice();
    // Byte 45 lies in the fixture's tEXt comment, an ancillary chunk the decoder skips once its CRC holds.
    png[45] ^= 0xff;
    expect(() => decodePng(png)).toThrow(/CRC/);
    expect(decodePng(fixPngCrcs(png)).width).toBe(7);
  });
  it('make a tar with an edited size field pass the checksum, so the size check is what fails', async () => {
    const tar = tarArchive([{ name: 'x/data_batch_1.bin', data: new Uint8Array(3073) }]);
    writeField(tar, tarFields(tar)[0], 5000);
    const load = (bytes: Uint8Array) => loadDataset([bytesSource('a.tar', bytes)]);
    await expect(load(tar)).rejects.toThrow(/checksum/);
    await expect(load(fixTarChecksums(tar))).rejects.toThrow(DatasetError);
    await expect(load(fixTarChecksums(tar))).rejects.toThrow(/5,000 bytes, not a multiple/);
  });
});
