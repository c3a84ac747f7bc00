import type { Dataset } from './types';
import { areaResize, centreCropSquare, padOrResize } from './resize';

const img = (
  height: number,
  width: number,
  channels: number,
  f: (y: number, x: number, c: number) => number,
) => ({
  data: Uint8Array.from({ length: height * width * channels }, (_, i) =>
    f(Math.floor(i / channels / width), Math.floor(i / channels) % width, i % channels),
  ),
  height,
  width,
  channels,
});

const dataset = (height: number, width: number, count = 1): Dataset => ({
  name: 'd',
  images: Uint8Array.from({ length: count * height * width }, (_, i) => (i * 37) % 256),
  labels: new Uint8Array(count),
  count,
  height,
  width,
  channels: 1,
  classNames: ['all'],
  allowsFlip: false,
});

describe('areaResize', () => {
  it('halves by exact 2×2 means, per channel', () => {
    const src = img(4, 4, 2, (y, x, c) => (c === 0 ? y * 40 + x * 10 : 200 - x));
    const out = areaResize(src, 2, 2);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 2; x++)
        for (let c = 0; c < 2; c++) {
          let sum = 0;
          for (const [dy, dx] of [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ])
            sum += src.data[((2 * y + dy) * 4 + 2 * x + dx) * 2 + c];
          expect(out.data[(y * 2 + x) * 2 + c]).toBe(Math.round(sum / 4));
        }
  });

  it('weights partial overlaps: 3 → 2 pixels gives (a + b/2)/1.5 and (b/2 + c)/1.5', () => {
    const out = areaResize({ data: Uint8Array.from([30, 90, 150]), height: 1, width: 3, channels: 1 }, 1, 2);
    expect(Array.from(out.data)).toEqual([Math.round((30 + 45) / 1.5), Math.round((45 + 150) / 1.5)]);
  });

  it('keeps a flat image flat and the mean of any image (up to rounding), down and up', () => {
    const flat = img(7, 5, 3, () => 77);
    expect(areaResize(flat, 3, 4).data.every((v) => v === 77)).toBe(true);
    const ramp = img(9, 9, 1, (y, x) => (y * 9 + x) * 3);
    const mean = (d: Uint8Array) => d.reduce((a, b) => a + b, 0) / d.length;
    for (const size of [4, 5, 13])
      expect(Math.abs(mean(areaResize(ramp, size, size).data) - mean(ramp.data))).toBeLessThan(0.6);
  });
});

describe('centreCropSquare', () => {
  it('takes the centred square of a wide image', () => {
    const wide = img(2, 5, 1, (y, x) => y * 10 + x);
    const sq = centreCropSquare(wide);
    expect(sq).toMatchObject({ height: 2, width: 2 });
    expect(Array.from(sq.data)).toEqual([1, 2, 11, 12]);
  });
});

describe('padOrResize', () => {
  it('pads smaller images on a background-0 canvas by default', () => {
    const out = padOrResize(dataset(28, 28, 2), 32);
    expect(out).toMatchObject({ height: 32, width: 32, count: 2 });
    expect(out.images[32 * 32 + 2 * 32 + 2]).toBe(dataset(28, 28, 2).images[784]);
    expect(out.images[0]).toBe(0);
  });

  it('resizes when asked, and by default when the images are larger', () => {
    expect(padOrResize(dataset(28, 28), 32, 'resize').images.some((v, i) => i < 32 && v !== 0)).toBe(true);
    expect(padOrResize(dataset(64, 48), 32)).toMatchObject({ height: 32, width: 32 });
  });

  it('returns same-size datasets untouched and names impossible requests', () => {
    const ds = dataset(32, 32);
    expect(padOrResize(ds, 32)).toBe(ds);
    expect(() => padOrResize(dataset(64, 64), 32, 'pad')).toThrow(
      'd: 64×64 images cannot be padded to 32×32; resize them instead',
    );
    expect(() => padOrResize(ds, 0)).toThrow('d: target size 0 is not a positive integer');
  });
});
