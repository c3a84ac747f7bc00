import { useMemo } from 'react';
import { Line, ReferenceArea, YAxis } from 'recharts';
import type { DatasetId } from '../../config';
import type { BandPoint } from '../../clinic/reference';
import type { LossPerTCurve } from '../../store/metricsStore';
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
  current: LossPerTCurve | undefined;
  snapshot: LossPerTCurve | undefined;
  T: number;
  /** The dataset the run trains on: the typical range is shown only for the one it was measured on. */
  dataset: DatasetId;
  onSnapshot(): void;
  /** The reference's loss per t (one band point per bucket), drawn dashed. */
  reference?: { step: number; buckets: readonly BandPoint[] };
}

/**
 * docs/ddpm.md §4: ε-MSE on CIFAR-10 at batch 128 is about 0.03 early and settles around 0.015–0.03.
 * That is the average over t, measured on CIFAR-10 only: digits or shapes settle elsewhere.
 */
export const TYPICAL_LOSS: { dataset: DatasetId; range: readonly [number, number] } = {
  dataset: 'cifar10',
  range: [0.015, 0.03],
};

const DOT = { r: 1.5 };
const tLabel = (t: unknown) => `t ≈ ${String(t)}`;
const finite = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? null : v;

interface Row {
  t: number;
  now: number | null;
  before: number | null;
  refLo?: number | null;
  refHi?: number | null;
}

/** Loss against timestep, now and at an earlier snapshot; on CIFAR-10 the paper's typical range shaded. */
export function LossPerTChart({ current, snapshot, T, dataset, onSnapshot, reference }: Props) {
  const colors = useChartColors();
  const look = useAxisLook(colors);
  const typical = dataset === TYPICAL_LOSS.dataset ? TYPICAL_LOSS.range : undefined;
  const chart = useMemo(() => {
    const n = current?.buckets.length ?? snapshot?.buckets.length ?? 0;
    const rows: Row[] = Array.from({ length: n }, (_, k) => ({
      t: Math.round(((k + 0.5) * T) / n),
      now: finite(current?.buckets[k]),
      before: finite(snapshot?.buckets[k]),
      ...(reference?.buckets.length === n
        ? { refLo: finite(reference.buckets[k].lo), refHi: finite(reference.buckets[k].hi) }
        : {}),
    }));
    const [lo, hi] = extent(rows, (r) => [r.now, r.before, r.refLo, r.refHi]);
    // The typical range stays in view, so a curve reads against it from the first step.
    const y = typical ? logTicks(Math.min(lo, typical[0]), Math.max(hi, typical[1])) : logTicks(lo, hi);
    return { rows, x: linearTicks(0, T), y };
  }, [current, snapshot, T, typical, reference]);
  const xAxis = useStable(chart.x);
  const yAxis = useStable(chart.y);
  return (
    <ChartFigure
      testId="loss-per-t-chart"
      data={{
        buckets: chart.rows.length,
        typical: typical ? typical.join('-') : 'none',
        'reference-step': reference?.step,
      }}
      caption={
        <>
          Loss per timestep t:{' '}
          <span className="key key-main">{current ? `step ${current.step}` : 'now'}</span>
          {snapshot && (
            <>
              {' '}
              against <span className="key key-before">snapshot at step {snapshot.step}</span>
            </>
          )}
          {typical
            ? `; shaded: the typical overall ε-MSE on CIFAR-10, ${typical[0]}–${typical[1]} (docs/ddpm.md §4)`
            : ''}
          {reference ? `; dashed: the reference trainer’s seeds at step ${reference.step}` : ''}
        </>
      }
      controls={
        <button type="button" onClick={onSnapshot} disabled={!current}>
          Snapshot for comparison
        </button>
      }
    >
      <TrainingChart
        rows={chart.rows}
        height={220}
        title="Loss per timestep t, log scale; ← and → read out the timesteps"
        xKey="t"
        x={xAxis}
        readoutLabel={tLabel}
      >
        {typical && (
          <ReferenceArea
            y1={typical[0]}
            y2={typical[1]}
            fill={colors.band}
            fillOpacity={1}
            stroke="none"
            ifOverflow="hidden"
          />
        )}
        <YAxis scale="log" domain={yAxis.domain} ticks={yAxis.ticks} {...LOSS_AXIS} {...look} />
        {reference && referenceBandLines(colors.muted)}
        <Line dataKey="now" name="now" stroke={colors.main} strokeWidth={2} {...STILL_LINE} dot={DOT} />
        {snapshot && (
          <Line
            dataKey="before"
            name="snapshot"
            stroke={colors.before}
            strokeDasharray="5 3"
            {...STILL_LINE}
          />
        )}
      </TrainingChart>
    </ChartFigure>
  );
}
