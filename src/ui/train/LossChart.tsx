import { useMemo } from 'react';
import { Line, YAxis } from 'recharts';
import { bandAt, type BandPoint } from '../../clinic/reference';
import type { LossPoint } from '../../store/metricsStore';
import { extent, linearTicks, logTicks } from '../charts/axisTicks';
import { ChartFigure } from '../charts/ChartFigure';
import {
  LOSS_AXIS,
  STILL_LINE,
  referenceBandLines,
  useAxisLook,
  useChartColors,
  useStable,
} from '../charts/chartTheme';
import { TrainingChart } from '../charts/TrainingChart';

interface Props {
  points: readonly LossPoint[];
  logScale: boolean;
  onLogScale(on: boolean): void;
  /** The reference band of this config (the Clinic's), drawn dashed behind the run. */
  reference?: readonly BandPoint[];
}

/** A loss point with the reference band at its step (null past the reference's end). */
type Row = LossPoint & { refLo?: number | null; refHi?: number | null };

/** Raw and smoothed training loss against step, optionally on a log axis; hover reads a step out. */
export function LossChart({ points, logScale, onLogScale, reference }: Props) {
  const colors = useChartColors();
  const look = useAxisLook(colors);
  const last = points[points.length - 1];
  const { data, x, y } = useMemo(() => {
    // A log axis cannot show 0 or negatives; a loss of exactly 0 would only come from a broken run.
    const kept = logScale ? points.filter((p) => p.loss > 0 && p.smoothed > 0) : points;
    const ref = reference
      ? bandAt(
          reference,
          kept.map((p) => p.step),
        )
      : null;
    const data: Row[] = ref ? kept.map((p, i) => ({ ...p, refLo: ref.lo[i], refHi: ref.hi[i] })) : [...kept];
    const [lo, hi] = extent(data, (p) => [p.loss, p.smoothed, p.refLo, p.refHi]);
    return {
      data,
      x: linearTicks(...extent(data, (p) => [p.step])),
      y: logScale ? logTicks(lo, hi) : linearTicks(Math.min(0, lo), hi),
    };
  }, [points, logScale, reference]);
  const xAxis = useStable(x);
  const yAxis = useStable(y);
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
          {reference && reference.length > 0 ? '; dashed: the reference trainer’s seeds (their spread)' : ''}
          {last
            ? ` · step ${last.step}: ${last.loss.toPrecision(3)} (smoothed ${last.smoothed.toPrecision(3)})`
            : ''}
        </>
      }
      controls={
        <label className="inline">
          <input type="checkbox" checked={logScale} onChange={(e) => onLogScale(e.target.checked)} /> log
          scale
        </label>
      }
    >
      <TrainingChart
        rows={data}
        height={200}
        title={`Training loss against step${logScale ? ', log scale' : ''}; ← and → read out the steps`}
        xKey="step"
        x={xAxis}
      >
        <YAxis
          scale={logScale ? 'log' : 'linear'}
          domain={yAxis.domain}
          ticks={yAxis.ticks}
          {...LOSS_AXIS}
          {...look}
        />
        {reference && referenceBandLines(colors.muted)}
        <Line dataKey="loss" name="raw" stroke={colors.muted} strokeWidth={1} {...STILL_LINE} />
        <Line dataKey="smoothed" name="smoothed" stroke={colors.main} strokeWidth={2} {...STILL_LINE} />
      </TrainingChart>
    </ChartFigure>
  );
}
