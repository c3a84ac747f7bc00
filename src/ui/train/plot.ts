/**
 * The geometry of the training charts, free of the DOM so it is unit-tested: value → pixel on a
 * linear or log axis, and a series as polyline runs (a gap wherever a value is missing or cannot
 * be shown, such as a non-positive value on a log axis).
 */

/** One axis: its domain, the pixel range it maps onto, and whether it is logarithmic. */
export interface AxisScale {
  domain: readonly [number, number];
  range: readonly [number, number];
  log?: boolean;
}

/** The pixel position of `v`, or null where the axis cannot show it. */
export function toPixel(scale: AxisScale, v: number | null | undefined): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const f = scale.log ? Math.log10 : (x: number) => x;
  if (scale.log && !(v > 0 && scale.domain[0] > 0)) return null;
  const [d0, d1] = [f(scale.domain[0]), f(scale.domain[1])];
  const [r0, r1] = scale.range;
  return d1 === d0 ? (r0 + r1) / 2 : r0 + ((f(v) - d0) / (d1 - d0)) * (r1 - r0);
}

/** Consecutive drawable points of a series as runs of [x, y] pixels; a missing value ends a run. */
export function polylines(
  xs: readonly number[],
  ys: readonly (number | null)[],
  x: AxisScale,
  y: AxisScale,
): [number, number][][] {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    const px = toPixel(x, xs[i]);
    const py = toPixel(y, ys[i]);
    if (px === null || py === null) {
      if (run.length > 0) runs.push(run);
      run = [];
    } else run.push([px, py]);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
