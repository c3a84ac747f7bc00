import type { ImageBatch, RasterImage } from './image';
import { batchGrid, imageOf, selectImages, tileImages } from './imageGrid';

const solid = (value: number, w = 2, h = 3, channels: 1 | 3 = 1): RasterImage => ({
  width: w,
  height: h,
  channels,
  data: new Uint8Array(w * h * channels).fill(value),
});

describe('tileImages', () => {
  it('lays out tiles row by row with a 1 px gutter and background in empty cells', () => {
    const grid = tileImages([solid(1), solid(2), solid(3)], { background: 0 });
    expect([grid.width, grid.height, grid.channels]).toEqual([2 * 2 + 1, 3 * 2 + 1, 1]);
    const rows = Array.from({ length: grid.height }, (_, y) =>
      Array.from(grid.data.subarray(y * grid.width, (y + 1) * grid.width)).join(''),
    );
    expect(rows).toEqual(['11022', '11022', '11022', '00000', '33000', '33000', '33000']);
  });
  it('honours columns, a 2 px gutter and RGB tiles', () => {
    const images = [1, 2, 3, 4, 5].map((v) => solid(v, 1, 1, 3));
    const grid = tileImages(images, { columns: 5, gutter: 2 });
    expect([grid.width, grid.height]).toEqual([5 + 4 * 2, 1]);
    expect(Array.from(grid.data.subarray(0, 12))).toEqual([1, 1, 1, 255, 255, 255, 255, 255, 255, 2, 2, 2]);
    expect(tileImages(images, { columns: 9 }).width).toBe(5 + 4);
  });
  it('keeps pixel order inside a tile', () => {
    const tile: RasterImage = { width: 2, height: 2, channels: 1, data: new Uint8Array([1, 2, 3, 4]) };
    const grid = tileImages([solid(0, 2, 2), tile], { background: 9 });
    expect(Array.from(grid.data)).toEqual([0, 0, 9, 1, 2, 0, 0, 9, 3, 4]);
  });
  it('rejects mismatched images and bad options', () => {
    expect(() => tileImages([])).toThrow(/no images/);
    expect(() => tileImages([solid(1), solid(1, 3)])).toThrow(/image 1 is 3×3×1, image 0 is 2×3×1/);
    expect(() => tileImages([solid(1)], { columns: 0 })).toThrow(/columns 0 must be a positive integer/);
    expect(() => tileImages([solid(1)], { gutter: 3 as 1 })).toThrow(/gutter 3 must be 1 or 2 px/);
    expect(() => tileImages([solid(1)], { background: 256 })).toThrow(
      /background 256 must be an integer 0–255/,
    );
  });
});

describe('image batches', () => {
  const batch: ImageBatch = {
    data: Uint8Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => i),
    count: 3,
    height: 2,
    width: 2,
    channels: 3,
  };

  it('views one image of a batch without copying', () => {
    const img = imageOf(batch, 1);
    expect(Array.from(img.data)).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(img.data.buffer).toBe(batch.data.buffer);
  });

  it('selects images in the order asked', () => {
    const sel = selectImages(batch, [2, 0]);
    expect(sel.count).toBe(2);
    expect(Array.from(sel.data.subarray(0, 3))).toEqual([24, 25, 26]);
    expect(Array.from(sel.data.subarray(12, 15))).toEqual([0, 1, 2]);
  });

  it('tiles a batch with a one-pixel white gutter', () => {
    const grid = batchGrid(batch, 3);
    expect([grid.width, grid.height, grid.channels]).toEqual([8, 2, 3]);
    // Pixel (2, 0) is the gutter between image 0 and image 1.
    expect(Array.from(grid.data.subarray(6, 9))).toEqual([255, 255, 255]);
    expect(Array.from(grid.data.subarray(9, 12))).toEqual([12, 13, 14]);
  });
});
