import { useMemo } from 'react';
import { bandAt, type BandPoint } from '../../clinic/reference';
import type { LossPoint } from '../../store/metricsStore';
import { extent, linearTicks, logTicks } from './axisTicks';
import { CanvasChart } from './CanvasChart';
import { ChartFigure } from './ChartFigure';

interface Props {
  points: readonly LossPoint[];
  logScale: boolean;
  onLogScale(on: boolean): void;
  /** The reference band of this config (the Clinic's), drawn dashed behind the run. */
  reference?: readonly BandPoint[];
}

const step = (v: number) => String(Math.round(v));
const loss = (v: number) => v.toPrecision(2);

/** Raw and smoothed training loss against step, optionally on a log axis. */
export function LossChart({ points, logScale, onLogScale, reference }: Props) {
  const last = points[points.length - 1];
  const chart = useMemo(() => {
    // A log axis cannot show 0 or negatives; a loss of exactly 0 would only come from a broken run.
    const data = logScale ? points.filter((p) => p.loss > 0 && p.smoothed > 0) : points;
    const ref = reference
      ? bandAt(
          reference,
          data.map((p) => p.step),
        )
      : null;
    const rows = [
      ...data.map((p) => [p.loss, p.smoothed]),
      ...(ref ? ref.lo.map((l, i) => [l, ref.hi[i]]) : []),
    ];
    const [lo, hi] = extent(rows, (r) => r);
    return {
      xs: data.map((p) => p.step),
      x: { ...linearTicks(...extent(data, (p) => [p.step])), format: step },
      y: { ...(logScale ? logTicks(lo, hi) : linearTicks(Math.min(0, lo), hi)), format: loss, log: logScale },
      series: [
        ...(ref ? [ref.lo, ref.hi].map((ys) => ({ ys, color: '#8c959f', dash: [3, 3] })) : []),
        { ys: data.map((p) => p.loss), color: '#999' },
        { ys: data.map((p) => p.smoothed), color: '#0969da', width: 2 },
      ],
    };
  }, [points, logScale, reference]);
  return (
    <ChartFigure
      testId="loss-chart"
      data={{
        points: points.length,
        'first-smoothed': points[0]?.smoothed,
        'last-smoothed': last?.smoothed,
        'reference-points': reference?.length ?? 0,
      }}
      caption={
        <>
          Loss: <span className="key key-raw">raw</span> and <span className="key key-main">smoothed</span>
          {reference && reference.length > 0 ? ', reference band dashed' : ''}
          {last
            ? ` · step ${last.step}: ${last.loss.toPrecision(3)} (smoothed ${last.smoothed.toPrecision(3)})`
            : ''}
        </>
      }
    >
      <label className="inline">
        <input type="checkbox" checked={logScale} onChange={(e) => onLogScale(e.target.checked)} /> log scale
      </label>
      <CanvasChart
        width={560}
        height={200}
        label={`Training loss against step${logScale ? ', log scale' : ''}`}
        {...chart}
      />
    </ChartFigure>
  );
}
