/** Axis domains and round ticks for the training charts (the recharts charts take these as their domain and ticks). */

/** A domain and about `count` round ticks covering [min, max] (1, 2, 2.5 or 5 × 10^k apart). */
export function linearTicks(
  min: number,
  max: number,
  count = 5,
): { domain: [number, number]; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { domain: [0, 1], ticks: [0, 1] };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return linearTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks };
}

/** A domain of whole decades covering [min, max] (both > 0), with a tick at each power of ten. */
export function logTicks(min: number, max: number): { domain: [number, number]; ticks: number[] } {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max))
    return { domain: [0.001, 1], ticks: [0.001, 0.01, 0.1, 1] };
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => Number((10 ** (lo + i)).toPrecision(12)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks };
}

/** The smallest and largest finite value of some fields of the rows (Infinity/−Infinity when none). */
export function extent<R>(
  rows: readonly R[],
  pick: (r: R) => readonly (number | null | undefined)[],
): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows)
    for (const v of pick(r))
      if (typeof v === 'number' && Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  return [lo, hi];
}

/** A loss tick label, short enough for the axis: 0.5, 0.01, 1e-3 (exponents below 0.01). */
export function lossTick(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 0.01 ? String(Number(v.toPrecision(2))) : v.toExponential(0);
}
