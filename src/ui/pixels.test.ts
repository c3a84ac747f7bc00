import { minMaxStretch, toRgba } from './pixels';

describe('pixels', () => {
  it('expands gray and RGB to opaque RGBA', () => {
    expect(Array.from(toRgba({ width: 2, height: 1, channels: 1, data: Uint8Array.of(7, 200) }))).toEqual([
      7, 7, 7, 255, 200, 200, 200, 255,
    ]);
    expect(Array.from(toRgba({ width: 1, height: 1, channels: 3, data: Uint8Array.of(1, 2, 3) }))).toEqual([
      1, 2, 3, 255,
    ]);
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
