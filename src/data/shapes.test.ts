import { SHAPE_CLASSES, generateShapes } from './shapes';
import { classCounts } from './summary';

describe('Shapes', () => {
  it('is deterministic per seed, and a smaller count is a prefix of a larger one', () => {
    const a = generateShapes({ count: 40, seed: 7 });
    const b = generateShapes({ count: 40, seed: 7 });
    const prefix = generateShapes({ count: 10, seed: 7 });
    expect(a.images).toEqual(b.images);
    expect(prefix.images).toEqual(a.images.subarray(0, 10 * 32 * 32 * 3));
    const other = generateShapes({ count: 40, seed: 8 });
    expect(other.images).not.toEqual(a.images);
  });

  it('has balanced classes named by shape kind, RGB 32×32', () => {
    const ds = generateShapes({ count: 100, seed: 1 });
    expect(ds).toMatchObject({
      count: 100,
      height: 32,
      width: 32,
      channels: 3,
      classNames: SHAPE_CLASSES,
      allowsFlip: true,
    });
    expect(classCounts(ds)).toEqual([25, 25, 25, 25]);
  });

  it('draws a visible shape on every image (the foreground differs from the corners)', () => {
    const ds = generateShapes({ count: 40, seed: 2, size: 16 });
    const bytes = 16 * 16 * 3;
    for (let i = 0; i < ds.count; i++) {
      const img = ds.images.subarray(i * bytes, (i + 1) * bytes);
      const distinct = new Set<string>();
      for (let p = 0; p < 256; p++) distinct.add(`${img[p * 3]},${img[p * 3 + 1]},${img[p * 3 + 2]}`);
      expect(distinct.size).toBeGreaterThan(2);
      let maxDiff = 0;
      for (let p = 0; p < 256; p++)
        maxDiff = Math.max(
          maxDiff,
          Math.abs(img[p * 3] - img[0]) +
            Math.abs(img[p * 3 + 1] - img[1]) +
            Math.abs(img[p * 3 + 2] - img[2]),
        );
      expect(maxDiff).toBeGreaterThan(60);
    }
  });

  it('generates 2,000 images fast', () => {
    const t0 = performance.now();
    generateShapes({ count: 2000, seed: 0 });
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('names bad options', () => {
    expect(() => generateShapes({ count: 0, seed: 1 })).toThrow(
      'shapes: count 0 must be an integer from 1 to 100,000',
    );
    expect(() => generateShapes({ count: 1, seed: 1.5 })).toThrow('shapes: seed 1.5 must be an integer');
    expect(() => generateShapes({ count: 1, seed: 1, size: 2 })).toThrow(
      'shapes: size 2 must be an integer from 4 to 256',
    );
  });
});
