import { polylines, toPixel } from './plot';

describe('toPixel', () => {
  it('maps a linear domain onto the range, flipped for a y axis', () => {
    const y = { domain: [0, 10], range: [100, 0] } as const;
    expect(toPixel(y, 0)).toBe(100);
    expect(toPixel(y, 2.5)).toBe(75);
    expect(toPixel(y, null)).toBeNull();
    expect(toPixel(y, Number.NaN)).toBeNull();
  });

  it('maps decades evenly on a log axis and cannot show values ≤ 0', () => {
    const y = { domain: [0.001, 1], range: [90, 0], log: true } as const;
    expect(toPixel(y, 0.01)).toBeCloseTo(60, 9);
    expect(toPixel(y, 0.1)).toBeCloseTo(30, 9);
    expect(toPixel(y, 0)).toBeNull();
    expect(toPixel(y, -1)).toBeNull();
  });

  it('puts every value of an empty domain in the middle', () => {
    expect(toPixel({ domain: [3, 3], range: [0, 50] }, 3)).toBe(25);
  });
});

describe('polylines', () => {
  it('breaks a series where a value is missing', () => {
    const x = { domain: [0, 4], range: [0, 40] } as const;
    const y = { domain: [0, 1], range: [10, 0] } as const;
    expect(polylines([0, 1, 2, 3, 4], [0, 1, null, 0.5, 0.5], x, y)).toEqual([
      [
        [0, 10],
        [10, 0],
      ],
      [
        [30, 5],
        [40, 5],
      ],
    ]);
    expect(polylines([0, 1], [null, null], x, y)).toEqual([]);
  });
});
