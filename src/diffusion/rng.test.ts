import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from './rng';

interface RngCase {
  state: number[];
  uint32: number[];
  normals: number[];
}
const golden = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../scripts/reference/fixtures/diffusion_rng_golden.json', import.meta.url)),
    'utf8',
  ),
) as { cases: RngCase[] };

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.normal());

describe('Rng', () => {
  it.each(golden.cases)('is xoshiro128** with Box–Muller normals (reference state $state)', (c) => {
    const bits = Rng.fromState(c.state);
    expect(Array.from({ length: c.uint32.length }, () => bits.nextUint32())).toEqual(c.uint32);
    const normals = draw(Rng.fromState(c.state), c.normals.length);
    normals.forEach((z, i) => expect(z).toBeCloseTo(c.normals[i], 12));
  });

  it('repeats a stream for the same seed and differs between seeds', () => {
    expect(draw(new Rng(42), 5)).toEqual(draw(new Rng(42), 5));
    expect(draw(new Rng(42), 5)).not.toEqual(draw(new Rng(43), 5));
    // Seeds that differ only above bit 32, and seed 0, still give distinct, live streams.
    expect(draw(new Rng(2 ** 40), 3)).not.toEqual(draw(new Rng(0), 3));
    expect(new Set(draw(new Rng(0), 100)).size).toBe(100);
  });

  it('resumes the exact stream from a saved state, also with a spare normal pending and through JSON', () => {
    const rng = new Rng(7);
    draw(rng, 3); // odd count: the Box–Muller partner of the third normal is pending
    rng.int(10);
    const state = JSON.parse(JSON.stringify(rng.getState())) as number[];
    expect(state[4]).toBe(1);
    const resumed = Rng.fromState(state);
    expect(draw(resumed, 9)).toEqual(draw(rng, 9));
    expect(resumed.uniform()).toBe(rng.uniform());
  });

  it('fillNormal gives the same values as repeated normal() calls, across a pending spare', () => {
    const a = new Rng(99);
    const b = new Rng(99);
    a.normal();
    b.normal();
    const filled = a.fillNormal(new Float64Array(7));
    expect(Array.from(filled)).toEqual(draw(b, 7));
    expect(a.getState()).toEqual(b.getState());
    const f32 = new Rng(5).fillNormal(new Float32Array(4));
    expect(Array.from(f32)).toEqual(Array.from(Float32Array.from(draw(new Rng(5), 4))));
  });

  it('draws standard normals: mean ≈ 0, variance ≈ 1, symmetric tails', () => {
    const n = 200_000;
    const z = new Rng(2024).fillNormal(new Float64Array(n));
    let sum = 0;
    let sumSq = 0;
    let beyond2 = 0;
    for (const v of z) {
      sum += v;
      sumSq += v * v;
      if (Math.abs(v) > 2) beyond2++;
    }
    const mean = sum / n;
    // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(sumSq / n - mean * mean - 1)).toBeLessThan(0.015);
    expect(beyond2 / n).toBeCloseTo(0.0455, 2); // P(|Z| > 2)
  });

  it('draws uniforms in [0, 1) and unbiased integers in 0..n−1', () => {
    const rng = new Rng(3);
    const counts = new Array<number>(10).fill(0);
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < 50_000; i++) {
      const u = rng.uniform();
      [min, max, sum] = [Math.min(min, u), Math.max(max, u), sum + u];
      counts[rng.int(10)]++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 50_000).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(300); // ≈ 4.4 standard deviations
    expect(rng.int(1)).toBe(0);
    expect(rng.int(2 ** 32)).toBeLessThan(2 ** 32);
  });

  it('rejects bad seeds, bounds and states with messages that name them', () => {
    expect(() => new Rng(1.5)).toThrow(/seed 1.5/);
    expect(() => new Rng(0).int(0)).toThrow(/int\(0\)/);
    expect(() => new Rng(0).int(2 ** 33)).toThrow(/1 to 2\^32/);
    expect(() => Rng.fromState([1, 2, 3])).toThrow(/\[1,2,3\].*uint32/);
    expect(() => Rng.fromState([0, 0, 0, 0, 0, 0])).toThrow(/all 0/);
    expect(() => Rng.fromState([1, 2, 3, 4, 2, 0])).toThrow(/spare flag 2/);
    expect(() => Rng.fromState([1, 2, 3, 2 ** 32, 0, 0])).toThrow(/uint32/);
  });
});
