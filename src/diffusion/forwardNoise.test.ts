import { bytesToUnit, noisyImages, unitToBytes } from './forwardNoise';
import { Rng } from '../diffusion';

describe('bytesToUnit / unitToBytes', () => {
  it('maps 0 and 255 to −1 and 1 and back exactly for every byte', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const unit = bytesToUnit(all);
    expect(unit[0]).toBe(-1);
    expect(unit[255]).toBe(1);
    expect(Array.from(unitToBytes(unit))).toEqual(Array.from(all));
  });

  it('clips values outside [−1, 1]', () => {
    expect(Array.from(unitToBytes(Float32Array.of(-3, 2.5, 0)))).toEqual([0, 255, 128]);
  });
});

describe('noisyImages', () => {
  const image = Uint8Array.from({ length: 48 }, (_, i) => (i * 37) % 256);
  const paper = { num_train_timesteps: 1000, beta_start: 1e-4, beta_end: 0.02 };

  it('applies x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε with ᾱ from the linear betas', () => {
    const t = 500;
    let alphaBar = 1;
    for (let s = 0; s <= t; s++) alphaBar *= 1 - (1e-4 + ((0.02 - 1e-4) * s) / 999);
    const eps = new Rng(7).fillNormal(new Float64Array(image.length));
    const expected = Array.from(image, (b, i) => {
      const x = Math.sqrt(alphaBar) * (b / 127.5 - 1) + Math.sqrt(1 - alphaBar) * eps[i];
      return Math.round(Math.min(1, Math.max(-1, x)) * 127.5 + 127.5);
    });
    const got = Array.from(noisyImages(image, paper, t, 7));
    got.forEach((g, i) => expect(Math.abs(g - expected[i])).toBeLessThanOrEqual(1));
  });

  it('keeps the same noise for a seed as t moves, and fresh noise for another seed', () => {
    const a = noisyImages(image, paper, 999, 1);
    expect(Array.from(noisyImages(image, paper, 999, 1))).toEqual(Array.from(a));
    expect(Array.from(noisyImages(image, paper, 999, 2))).not.toEqual(Array.from(a));
  });

  it('leaves almost pure signal at t = 0 and almost pure noise at t = T−1', () => {
    const early = noisyImages(image, paper, 0, 3);
    early.forEach((b, i) => expect(Math.abs(b - image[i])).toBeLessThan(6));
    const late = bytesToUnit(noisyImages(image, paper, 999, 3));
    const eps = new Rng(3).fillNormal(new Float32Array(image.length));
    const clipped = eps.map((e) => Math.min(1, Math.max(-1, e)));
    late.forEach((x, i) => expect(Math.abs(x - clipped[i])).toBeLessThan(0.02));
  });

  it('rejects a schedule the core cannot build, naming the key', () => {
    expect(() => noisyImages(image, { beta_end: 1.5 }, 10, 0)).toThrow(/beta/);
    expect(() => noisyImages(image, paper, 1000, 0)).toThrow(/1000/);
  });
});
