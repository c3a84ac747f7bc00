import { extent, linearTicks, logTicks, lossTick } from './axisTicks';

describe('linearTicks', () => {
  it('covers the range with round steps', () => {
    expect(linearTicks(0, 37)).toEqual({ domain: [0, 40], ticks: [0, 10, 20, 30, 40] });
    expect(linearTicks(0.0001, 0.00019)).toEqual({
      domain: [0.0001, 0.0002],
      ticks: [0.0001, 0.000125, 0.00015, 0.000175, 0.0002],
    });
    expect(linearTicks(3, 8).ticks).toEqual([2, 4, 6, 8]);
  });

  it('widens a single value and falls back for non-finite input', () => {
    expect(linearTicks(5, 5).domain[0]).toBeLessThan(5);
    expect(linearTicks(5, 5).domain[1]).toBeGreaterThan(5);
    expect(linearTicks(Infinity, -Infinity)).toEqual({ domain: [0, 1], ticks: [0, 1] });
  });
});

describe('logTicks', () => {
  it('rounds out to whole decades with a tick at each', () => {
    expect(logTicks(0.03, 1.2)).toEqual({ domain: [0.01, 10], ticks: [0.01, 0.1, 1, 10] });
    expect(logTicks(0.5, 0.5)).toEqual({ domain: [0.1, 1], ticks: [0.1, 1] });
  });

  it('falls back when there is nothing positive to show', () => {
    expect(logTicks(Infinity, -Infinity).ticks).toEqual([0.001, 0.01, 0.1, 1]);
    expect(logTicks(0, 1).domain).toEqual([0.001, 1]);
  });
});

describe('extent', () => {
  it('skips nulls and non-finite values', () => {
    expect(
      extent(
        [
          { a: 1, b: null },
          { a: Number.NaN, b: 7 },
          { a: -2, b: 3 },
        ],
        (r) => [r.a, r.b],
      ),
    ).toEqual([-2, 7]);
    expect(extent([], () => [])).toEqual([Infinity, -Infinity]);
  });
});

describe('lossTick', () => {
  it('keeps labels short: decimals down to 0.01, exponents below', () => {
    expect([1, 0.5, 0.1, 0.01, 0.001, 0.00025, 0].map(lossTick)).toEqual([
      '1',
      '0.5',
      '0.1',
      '0.01',
      '1e-3',
      '3e-4',
      '0',
    ]);
  });
});
