import { frameBytes, frameCount, frameStride, toUint8 } from './frames';

describe('frame bytes', () => {
  it('maps [-1, 1] onto 0..255 as diffusers does, clamping outside and NaN to 0', () => {
    const v = Float32Array.of(-1, 1, 0, -2, 3, 0.5, -0.999, NaN, -Infinity, Infinity);
    // (x + 1)·127.5 rounded: 0, 255, 127.5 → 128, clamp, clamp, 191.25 → 191, 0.1275 → 0
    expect(Array.from(toUint8(v))).toEqual([0, 255, 128, 0, 255, 191, 0, 0, 0, 255]);
  });

  it('counts three arrays per frame, one byte or four per value', () => {
    const shape = { numImages: 4, height: 8, width: 6, channels: 3 };
    expect(frameBytes(shape, 'uint8')).toBe(3 * 4 * 8 * 6 * 3);
    expect(frameBytes(shape, 'float32')).toBe(4 * 3 * 4 * 8 * 6 * 3);
  });
});

describe('frame stride', () => {
  it('records every step when the budget allows', () => {
    expect(frameStride(1000, 100, 100_000)).toBe(1);
    expect(frameCount(1000, 1)).toBe(1000);
  });

  it('never records more frames than fit, for any budget', () => {
    for (const steps of [1, 7, 50, 999, 1000]) {
      for (const fit of [1, 2, 3, 6, 49, 333, 2000]) {
        const stride = frameStride(steps, 10, fit * 10 + 9);
        expect(frameCount(steps, stride)).toBeLessThanOrEqual(fit);
        // …and does not stride more than needed.
        if (stride > 1) expect(frameCount(steps, stride - 1)).toBeGreaterThan(fit);
      }
    }
  });

  it('records nothing with budget 0 and refuses a budget below one frame', () => {
    expect(frameStride(10, 100, 0)).toBe(0);
    expect(frameCount(10, 0)).toBe(0);
    expect(() => frameStride(10, 100, 99)).toThrow(
      'frame budget 99 bytes is smaller than one frame (100 bytes)',
    );
  });
});
