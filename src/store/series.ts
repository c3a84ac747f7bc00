/**
 * Bounded chart buffers. A training run logs tens of thousands of points; recharts redraws every
 * point on each render, so a chart keeps at most `maxPoints` of them. When the buffer fills, every
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
