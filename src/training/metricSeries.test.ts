import { DecimatedSeries, createThrottle, minMaxDownsample } from './metricSeries';

describe('DecimatedSeries', () => {
  it('keeps every point until the buffer fills', () => {
    const s = new DecimatedSeries<number>(8);
    for (let i = 0; i < 7; i++) s.push(i);
    expect(s.points()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(s.pointStride).toBe(1);
  });

  it('halves the density when full and keeps an even spread over the whole run', () => {
    const s = new DecimatedSeries<number>(8);
    for (let i = 0; i < 8; i++) s.push(i);
    expect(s.points()).toEqual([0, 2, 4, 6]);
    expect(s.pointStride).toBe(2);
    for (let i = 8; i < 100; i++) s.push(i);
    const pts = s.points();
    expect(pts.length).toBeLessThan(8);
    expect(pts[0]).toBe(0);
    const gaps = pts.slice(1).map((p, i) => p - pts[i]);
    expect(new Set(gaps).size).toBe(1);
    expect(gaps[0]).toBe(s.pointStride);
    expect(pts[pts.length - 1]).toBeGreaterThan(100 - 2 * s.pointStride);
  });

  it('returns a new array each time and starts over after clear()', () => {
    const s = new DecimatedSeries<number>(4);
    s.push(1);
    expect(s.points()).not.toBe(s.points());
    for (let i = 0; i < 10; i++) s.push(i);
    s.clear();
    s.push(42);
    expect(s.points()).toEqual([42]);
    expect(s.pointStride).toBe(1);
  });

  it('rejects a size it cannot halve, naming it', () => {
    expect(() => new DecimatedSeries(5)).toThrow(/maxPoints 5/);
    expect(() => new DecimatedSeries(2)).toThrow(/even integer ≥ 4/);
  });
});

describe('createThrottle', () => {
  function clock() {
    let t = 0;
    const timers: { at: number; fn: () => void }[] = [];
    return {
      now: () => t,
      schedule: (fn: () => void, ms: number) => timers.push({ at: t + ms, fn }),
      advance(ms: number) {
        t += ms;
        for (const timer of timers.splice(0).sort((a, b) => a.at - b.at)) {
          if (timer.at <= t) timer.fn();
          else timers.push(timer);
        }
      },
    };
  }

  it('publishes at once, then at most once per interval, with a trailing call', () => {
    const c = clock();
    let published = 0;
    const th = createThrottle(250, () => published++, c.now, c.schedule);
    th.request();
    expect(published).toBe(1);
    for (let i = 0; i < 20; i++) {
      c.advance(10);
      th.request();
    }
    expect(published).toBe(1);
    c.advance(50);
    expect(published).toBe(2);
    c.advance(1000);
    expect(published).toBe(2);
  });

  it('flush() delivers a pending publish immediately, once', () => {
    const c = clock();
    let published = 0;
    const th = createThrottle(250, () => published++, c.now, c.schedule);
    th.request();
    th.request();
    th.flush();
    expect(published).toBe(2);
    c.advance(500);
    expect(published).toBe(2);
  });
});

describe('minMaxDownsample', () => {
  const id = (v: number) => v;

  it('keeps short series whole', () => {
    expect(minMaxDownsample([3, 1, 2], 4, id)).toEqual([3, 1, 2]);
  });

  it('keeps the ends and each run’s minimum and maximum in order, so a spike survives', () => {
    // 2 ends + 2 runs of 4: [5, 9, 1, 6] → 9 then 1; [2, 2, 8, 3] → 2 then 8.
    expect(minMaxDownsample([0, 5, 9, 1, 6, 2, 2, 8, 3, 7], 6, id)).toEqual([0, 9, 1, 2, 8, 7]);
    const flat = Array.from({ length: 1000 }, (_, i) => (i === 537 ? 100 : 1));
    const kept = minMaxDownsample(flat, 300, id);
    expect(kept.length).toBeLessThanOrEqual(300);
    expect(kept).toContain(100);
  });

  it('rejects a budget that cannot hold the ends and one run', () => {
    expect(() => minMaxDownsample([1, 2, 3], 3, id)).toThrow(/maxPoints 3 must be an integer ≥ 4/);
  });
});
