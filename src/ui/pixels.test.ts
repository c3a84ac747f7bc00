import { batchGrid, imageOf, minMaxStretch, selectImages, toRgba, type ImageBatch } from './pixels';

const batch: ImageBatch = {
  data: Uint8Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => i),
  count: 3,
  height: 2,
  width: 2,
  channels: 3,
};

describe('pixels', () => {
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

  it('expands gray and RGB to opaque RGBA', () => {
    expect(Array.from(toRgba({ width: 2, height: 1, channels: 1, data: Uint8Array.of(7, 200) }))).toEqual([
      7, 7, 7, 255, 200, 200, 200, 255,
    ]);
    expect(Array.from(toRgba({ width: 1, height: 1, channels: 3, data: Uint8Array.of(1, 2, 3) }))).toEqual([
      1, 2, 3, 255,
    ]);
  });

  it('tiles a batch with a one-pixel white gutter', () => {
    const grid = batchGrid(batch, 3);
    expect([grid.width, grid.height, grid.channels]).toEqual([8, 2, 3]);
    // Pixel (2, 0) is the gutter between image 0 and image 1.
    expect(Array.from(grid.data.subarray(6, 9))).toEqual([255, 255, 255]);
    expect(Array.from(grid.data.subarray(9, 12))).toEqual([12, 13, 14]);
  });
});

describe('minMaxStretch', () => {
  it('stretches each image to 0..255 on its own and leaves a flat image alone', () => {
    const batch = {
      data: Uint8Array.from([128, 192, 255, 7, 7, 7]),
      count: 2,
      height: 1,
      width: 3,
      channels: 1 as const,
    };
    expect([...minMaxStretch(batch).data]).toEqual([0, 129, 255, 7, 7, 7]);
  });
});
