import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drawFlips, drawNoise, drawTimesteps, dropoutMask, philoxKey, type DrawKey } from './draws';
import { mulHi32, philox4x32 } from './philox';

interface Case {
  seed: number;
  step: number;
  words: number[][];
  t: number[];
  tShared: number[];
  flips: number[];
  eps: number[];
  keep: number[];
}
const golden = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../scripts/reference/fixtures/random_philox.json', import.meta.url)),
    'utf8',
  ),
) as { kat: { counter: number[]; key: number[]; out: number[] }[]; cases: Case[] };

describe('Philox 4x32-10', () => {
  it.each(golden.kat)('gives Random123’s known answer for counter $counter, key $key', (c) => {
    expect(Array.from(philox4x32(c.counter, c.key))).toEqual(c.out);
  });

  it('mulHi32 is the high word of the exact 64-bit product', () => {
    const pairs = [
      [0xffffffff, 0xffffffff],
      [0xd2511f53, 0x12345678],
      [0xcd9e8d57, 0xffff0001],
      [1, 0xffffffff],
      [0x10000, 0x10000],
    ];
    for (const [a, b] of pairs) expect(mulHi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
  });
});

describe('training draws', () => {
  it.each(golden.cases)('match the Python reference for seed $seed, step $step', (c) => {
    const key: DrawKey = { seed: c.seed, step: c.step };
    const streams = [
      [1, 0],
      [3, 7],
      [16, 2],
    ];
    streams.forEach(([stream, index], i) =>
      expect(Array.from(philox4x32([index, c.step, stream, 0], philoxKey(c.seed)))).toEqual(c.words[i]),
    );
    expect(Array.from(drawTimesteps(key, 8, 1000, false))).toEqual(c.t);
    expect(Array.from(drawTimesteps(key, 4, 1000, true))).toEqual(c.tShared);
    expect(Array.from(drawFlips(key, 8))).toEqual(c.flips);
    const eps = drawNoise(key, 13);
    c.eps.forEach((z, i) =>
      expect(Math.abs(eps[i] - z)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(z))),
    );
    const mask = dropoutMask(key, 2, 37, 0.1);
    expect(Array.from(mask, (m) => (m > 0 ? 1 : 0))).toEqual(c.keep);
    expect(mask.find((m) => m > 0)).toBe(Math.fround(1 / 0.9));
  });

  it('differ between steps and streams and look like their distributions', () => {
    const a = drawNoise({ seed: 5, step: 0 }, 40_000);
    const b = drawNoise({ seed: 5, step: 1 }, 40_000);
    expect(a).not.toEqual(b);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    const variance = a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
    const t = drawTimesteps({ seed: 5, step: 0 }, 20_000, 1000, false);
    expect(Math.min(...t)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...t)).toBeLessThan(1000);
    expect(Math.abs(t.reduce((s, x) => s + x, 0) / t.length - 499.5)).toBeLessThan(10);
    const kept = dropoutMask({ seed: 5, step: 0 }, 0, 40_000, 0.25).filter((m) => m > 0).length / 40_000;
    expect(Math.abs(kept - 0.75)).toBeLessThan(0.01);
    const flips = drawFlips({ seed: 5, step: 0 }, 4000).reduce((s, x) => s + x, 0) / 4000;
    expect(Math.abs(flips - 0.5)).toBeLessThan(0.04);
  });

  it('reject seeds and steps it cannot key', () => {
    expect(() => drawNoise({ seed: -1, step: 0 }, 4)).toThrow(/seed -1/);
    expect(() => drawNoise({ seed: 1, step: 2 ** 32 }, 4)).toThrow(/step/);
    expect(() => dropoutMask({ seed: 1, step: 0 }, 0, 4, 1)).toThrow(/dropout rate 1/);
  });
});
