import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from './run';
import { loadPaths } from './data';
import { cifarRecords, idxFile } from '../data/testHelpers';

// The committed CIFAR-10 fixture (16 train and 4 test images per class, official layout).
const SUBSET = 'scripts/reference/fixtures/cifar-10-binary-mini.tar.gz';

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['data', ...args], { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out, err };
}

describe('ddpm-lab data', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ddpm-data-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object for a CIFAR-10 archive', async () => {
    const { code, out, err } = await run([SUBSET]);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    const summary = JSON.parse(out[0]);
    expect(Object.keys(summary)).toEqual(['train', 'test']);
    expect(summary.train).toEqual({
      images: 160,
      height: 32,
      width: 32,
      channels: 3,
      per_class: {
        airplane: 16,
        automobile: 16,
        bird: 16,
        cat: 16,
        deer: 16,
        dog: 16,
        frog: 16,
        horse: 16,
        ship: 16,
        truck: 16,
      },
    });
    expect(summary.test.images).toBe(40);
    expect(summary.test.per_class.horse).toBe(4);
  });

  it('reads a folder, omits test when there is none, and filters a class', async () => {
    const folder = join(dir, 'digits');
    mkdirSync(folder);
    writeFileSync(join(folder, 'images-idx3-ubyte'), idxFile([3, 2, 2], new Uint8Array(12)));
    writeFileSync(join(folder, 'labels-idx1-ubyte'), idxFile([3], Uint8Array.from([0, 3, 3])));
    writeFileSync(join(folder, '.hidden'), 'x');
    const all = JSON.parse((await run([folder])).out[0]);
    expect(all).toEqual({
      train: { images: 3, height: 2, width: 2, channels: 1, per_class: { 0: 1, 1: 0, 2: 0, 3: 2 } },
    });
    const threes = JSON.parse((await run([folder, '--class', '3'])).out[0]);
    expect(threes.train.images).toBe(2);
  });

  it('exits 1 with one line naming a bad file, and warns about skipped ones on stderr', async () => {
    const bad = join(dir, 'data_batch_1.bin');
    writeFileSync(bad, new Uint8Array(3073 * 2 + 5));
    expect(await run([bad])).toEqual({
      code: 1,
      out: [],
      err: ['ddpm-lab: data_batch_1.bin: is 6,151 bytes, not a multiple of the 3,073-byte CIFAR-10 record'],
    });
    expect((await run([join(dir, 'missing.tar.gz')])).err).toEqual([
      `ddpm-lab: ${join(dir, 'missing.tar.gz')}: no such file or folder`,
    ]);
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    writeFileSync(
      join(mixed, 'test_batch.bin'),
      cifarRecords([2], () => 0),
    );
    writeFileSync(join(mixed, 'notes.md'), '# notes');
    const { code, out, err } = await run([mixed]);
    expect(code).toBe(0);
    expect(JSON.parse(out[0]).train.images).toBe(1);
    expect(err).toEqual(['warning: skipped 1 file(s) that are not dataset files: notes.md']);
  });

  it('reads a folder of PNGs with the pixels an independent writer put in them, and says why a JPEG is skipped', async () => {
    // PNGs written by scripts/reference/io_write_png.py (and read back by PIL there), all 7×5.
    const { cases } = JSON.parse(
      readFileSync(new URL('../../scripts/reference/fixtures/io_png.json', import.meta.url), 'utf8'),
    ) as { cases: { name: string; png: string; channels: number; bitDepth: number; expected: number[] }[] };
    const classes = { gray: ['gray1', 'gray8', 'gray16'], color: ['rgb8', 'rgba8', 'palette4_trns'] };
    const folder = join(dir, 'pngs');
    const expected = new Map<string, string>();
    for (const [cls, names] of Object.entries(classes)) {
      mkdirSync(join(folder, cls), { recursive: true });
      for (const name of names) {
        const c = cases.find((k) => k.name === name)!;
        writeFileSync(join(folder, cls, `${name}.png`), Buffer.from(c.png, 'base64'));
        // The Python writer's samples as RGB over black, 16 bits rounded to 8.
        const v = c.expected.map((x) => (c.bitDepth === 16 ? Math.round((x * 255) / 65535) : x));
        const rgb: number[] = [];
        for (let p = 0; p < v.length / c.channels; p++) {
          const px = v.slice(p * c.channels, (p + 1) * c.channels);
          const color = c.channels < 3 ? [px[0], px[0], px[0]] : px.slice(0, 3);
          const a = c.channels === 2 ? px[1] : c.channels === 4 ? px[3] : 255;
          rgb.push(...color.map((x) => (a === 255 ? x : Math.round((x * a) / 255))));
        }
        expected.set(rgb.join(','), cls);
      }
    }
    writeFileSync(join(folder, 'color', 'photo.jpg'), Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]));

    const { code, out, err } = await run([folder]);
    expect(code).toBe(0);
    expect(JSON.parse(out[0])).toEqual({
      train: { images: 6, height: 5, width: 7, channels: 3, per_class: { color: 3, gray: 3 } },
    });
    expect(err).toEqual([
      'warning: skipped 1 image file(s) that could not be decoded: color/photo.jpg (color/photo.jpg: JPEG images are decoded only in the browser; convert them to PNG for the command line)',
    ]);
    const { train } = (await loadPaths([folder])).pair;
    const got = new Map<string, string>();
    for (let i = 0; i < train.count; i++)
      got.set(train.images.subarray(i * 105, (i + 1) * 105).join(','), train.classNames[train.labels[i]]);
    expect(got).toEqual(expected);
  });

  it('exits 1 on bad usage, naming the problem', async () => {
    expect((await run([])).code).toBe(1);
    expect((await run([SUBSET, '--frobnicate'])).err[0]).toMatch(
      /^ddpm-lab: data: unknown flag --frobnicate/,
    );
    expect((await run([SUBSET, '--class'])).err[0]).toBe('ddpm-lab: data: --class needs a value');
  });

  it('runs as the ddpm-lab command', async () => {
    const { stdout } = await promisify(execFile)('node', ['bin/ddpm-lab.mjs', 'data', SUBSET], {
      cwd: process.cwd(),
    });
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout).train.per_class.ship).toBe(16);
  });
});
