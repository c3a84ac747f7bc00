/**
 * Bounded series of training metrics, for the page's metrics store and charts (pure TypeScript, no
 * tfjs). A training run logs tens of thousands of points; a chart draws each point it keeps on every
 * redraw, so a series keeps at most `maxPoints` of them. When the buffer fills, every
 * other point is dropped and from then on only every `stride`-th pushed point is kept: the whole
 * run stays visible at an even density, and memory and render cost stay flat however long it runs.
 */
export class DecimatedSeries<P> {
  private kept: P[] = [];
  private stride = 1;
  private pushed = 0;

  constructor(readonly maxPoints: number) {
    if (!Number.isInteger(maxPoints) || maxPoints < 4 || maxPoints % 2 !== 0)
      throw new RangeError(`DecimatedSeries: maxPoints ${maxPoints} must be an even integer ≥ 4`);
  }

  push(point: P): void {
    if (this.pushed++ % this.stride !== 0) return;
    this.kept.push(point);
    if (this.kept.length >= this.maxPoints) {
      this.kept = this.kept.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  /** A fresh array (so React sees a new reference) of the kept points, oldest first. */
  points(): P[] {
    return this.kept.slice();
  }

  /** How many pushed points one kept point stands for now. */
  get pointStride(): number {
    return this.stride;
  }

  clear(): void {
    this.kept = [];
    this.stride = 1;
    this.pushed = 0;
  }
}

/**
 * Lets at most one publish through per `intervalMs`; a call inside the interval is deferred to its
 * end (trailing edge), so the last value always arrives. `now` and `schedule` are injectable for tests.
 */
export function createThrottle(
  intervalMs: number,
  publish: () => void,
  now: () => number = () => performance.now(),
  schedule: (fn: () => void, ms: number) => unknown = (fn, ms) => setTimeout(fn, ms),
): { request(): void; flush(): void } {
  let last = -Infinity;
  let pending = false;
  const fire = () => {
    pending = false;
    last = now();
    publish();
  };
  return {
    request() {
      if (pending) return;
      const wait = last + intervalMs - now();
      if (wait <= 0) return fire();
      pending = true;
      schedule(() => {
        if (pending) fire();
      }, wait);
    },
    flush() {
      if (pending) fire();
    },
  };
}

/**
 * At most `maxPoints` of `points` for a chart: the first and the last, and from each of
 * (maxPoints − 2)/2 equal runs in between the point with the smallest and the one with the largest
 * `value`, in their order. Spikes survive (a loss spike is what a learner must see); the cost of a
 * redraw stays flat however long the run.
 */
export function minMaxDownsample<P>(points: readonly P[], maxPoints: number, value: (p: P) => number): P[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 4)
    throw new RangeError(`minMaxDownsample: maxPoints ${maxPoints} must be an integer ≥ 4`);
  if (points.length <= maxPoints) return points.slice();
  const inner = points.length - 2;
  const runs = Math.floor((maxPoints - 2) / 2);
  const out: P[] = [points[0]];
  for (let r = 0; r < runs; r++) {
    const start = 1 + Math.floor((r * inner) / runs);
    const end = 1 + Math.floor(((r + 1) * inner) / runs);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (value(points[i]) < value(points[lo])) lo = i;
      if (value(points[i]) > value(points[hi])) hi = i;
    }
    out.push(points[Math.min(lo, hi)]);
    if (lo !== hi) out.push(points[Math.max(lo, hi)]);
  }
  out.push(points[points.length - 1]);
  return out;
}
