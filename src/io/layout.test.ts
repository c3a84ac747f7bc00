import { describe, expect, it } from 'vitest';
import { hwioToOihw, nchwToNhwc, nhwcToNchw, oihwToHwio, transpose2d } from './layout';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('layout conversion', () => {
  it('moves conv weight element [o,i,h,w] to [h,w,i,o]', () => {
    const shape = [4, 3, 2, 5];
    const { data, shape: out } = oihwToHwio(iota(120), shape);
    expect(out).toEqual([2, 5, 3, 4]);
    // element o=3, i=1, h=1, w=2 has value ((3*3+1)*2+1)*5+2 = 107
    expect(data[((1 * 5 + 2) * 3 + 1) * 4 + 3]).toBe(107);
    expect(Array.from(hwioToOihw(data, out).data)).toEqual(Array.from(iota(120)));
  });
  it('transposes linear weights', () => {
    const { data, shape } = transpose2d(iota(6), [2, 3]);
    expect(shape).toEqual([3, 2]);
    expect(Array.from(data)).toEqual([0, 3, 1, 4, 2, 5]);
  });
  it('round-trips activations NCHW ↔ NHWC', () => {
    const { data, shape } = nchwToNhwc(iota(2 * 3 * 2 * 2), [2, 3, 2, 2]);
    expect(shape).toEqual([2, 2, 2, 3]);
    expect(data[1]).toBe(4); // n0, h0, w0, c1 = NCHW index 4
    expect(Array.from(nhwcToNchw(data, shape).data)).toEqual(Array.from(iota(24)));
  });
  it('rejects wrong ranks', () => {
    expect(() => oihwToHwio(iota(6), [2, 3])).toThrow(/4-D/);
  });
});
