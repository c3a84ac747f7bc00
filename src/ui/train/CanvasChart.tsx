import { useEffect, useRef } from 'react';
import { polylines, toPixel, type AxisScale } from './plot';

/** An axis as the chart draws it: domain, tick values and their labels. */
export interface ChartAxis {
  domain: readonly [number, number];
  ticks: readonly number[];
  format(v: number): string;
  log?: boolean;
}

/** One line: a y value per x (null: a gap), on the left axis or the right one. */
export interface ChartSeries {
  ys: readonly (number | null)[];
  color: string;
  width?: number;
  dash?: readonly number[];
  right?: boolean;
}

interface Props {
  width: number;
  height: number;
  /** What the chart shows, for screen readers. */
  label: string;
  xs: readonly number[];
  x: ChartAxis;
  y: ChartAxis;
  /** A second y axis on the right, for series with `right`. */
  y2?: ChartAxis;
  series: readonly ChartSeries[];
  /** A shaded y range on the left axis. */
  band?: { from: number; to: number; color: string };
}

const FONT = '11px system-ui, sans-serif';
const GRID = 'rgba(136, 136, 136, 0.35)';

/**
 * A line chart drawn on a canvas in one effect: a redraw costs about a millisecond of main
 * thread, where a recharts redraw of the same chart cost 20–30 ms (its selectors, effects and
 * DOM measuring), which the training charts could not afford several times a second.
 */
export function CanvasChart(props: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { width, height, label } = props;
  useEffect(() => {
    if (ref.current) draw(ref.current, props);
  });
  const dpr = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;
  return (
    <canvas
      ref={ref}
      role="img"
      aria-label={label}
      width={Math.round(width * dpr)}
      height={Math.round(height * dpr)}
      style={{ width, height, display: 'block' }}
    />
  );
}

function draw(canvas: HTMLCanvasElement, p: Props): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const dpr = canvas.width / p.width;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, p.width, p.height);
  const left = 50;
  // Room on the right for the second axis's labels, or for half of the last x label.
  const right = p.width - (p.y2 ? 44 : 22);
  const top = 6;
  const bottom = p.height - 20;
  const sx: AxisScale = { domain: p.x.domain, range: [left, right] };
  const sy: AxisScale = { domain: p.y.domain, range: [bottom, top], log: p.y.log };
  const sy2: AxisScale | undefined = p.y2 && { domain: p.y2.domain, range: [bottom, top], log: p.y2.log };
  const text = getComputedStyle(canvas).color;

  if (p.band) {
    const a = toPixel(sy, p.band.from);
    const b = toPixel(sy, p.band.to);
    if (a !== null && b !== null) {
      ctx.fillStyle = p.band.color;
      ctx.fillRect(left, Math.min(a, b), right - left, Math.abs(a - b));
    }
  }

  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  for (const t of p.x.ticks) {
    const px = toPixel(sx, t);
    if (px !== null) line(ctx, px, top, px, bottom);
  }
  for (const t of p.y.ticks) {
    const py = toPixel(sy, t);
    if (py !== null) line(ctx, left, py, right, py);
  }
  ctx.stroke();
  ctx.setLineDash([]);

  ctx.font = FONT;
  ctx.fillStyle = text;
  ctx.globalAlpha = 0.75;
  labels(ctx, p.x, sx, (v) => [v, bottom + 13], 'center');
  labels(ctx, p.y, sy, (v) => [left - 4, v + 4], 'right');
  if (p.y2 && sy2) labels(ctx, p.y2, sy2, (v) => [right + 4, v + 4], 'left');
  ctx.globalAlpha = 1;

  for (const s of p.series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = s.width ?? 1;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    for (const run of polylines(p.xs, s.ys, sx, s.right && sy2 ? sy2 : sy)) {
      ctx.moveTo(run[0][0], run[0][1]);
      for (const [px, py] of run.slice(1)) ctx.lineTo(px, py);
      // A lone point still shows, as a dot.
      if (run.length === 1) ctx.arc(run[0][0], run[0][1], 1.5, 0, 2 * Math.PI);
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

function line(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
}

function labels(
  ctx: CanvasRenderingContext2D,
  axis: ChartAxis,
  scale: AxisScale,
  at: (v: number) => [number, number],
  align: CanvasTextAlign,
): void {
  ctx.textAlign = align;
  for (const t of axis.ticks) {
    const v = toPixel(scale, t);
    if (v !== null) ctx.fillText(axis.format(t), ...at(v));
  }
}
