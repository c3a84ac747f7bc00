import { useMemo } from 'react';
import { Line, ReferenceLine, YAxis } from 'recharts';
import type { LrGradPoint } from '../../store/metricsStore';
import { extent, linearTicks } from '../charts/axisTicks';
import { ChartFigure } from '../charts/ChartFigure';
import { STILL_LINE, useAxisLook, useChartColors, useStable } from '../charts/chartTheme';
import { TrainingChart } from '../charts/TrainingChart';

const readout = (v: unknown, name: unknown) =>
  name === 'learning rate' ? Number(v).toExponential(3) : Number(v).toPrecision(4);
const lrText = (v: number) => (v === 0 ? '0' : v.toExponential(0));
const normText = (v: number) => v.toPrecision(2);

/** Learning rate (warm-up) and gradient norm before clipping, with the clip threshold for reference. */
export function LrGradChart({
  points,
  clipNorm,
}: {
  points: readonly LrGradPoint[];
  clipNorm: number | undefined;
}) {
  const colors = useChartColors();
  const look = useAxisLook(colors);
  const computed = useMemo(
    () => ({
      x: linearTicks(...extent(points, (p) => [p.step])),
      lr: linearTicks(0, extent(points, (p) => [p.lr])[1]),
      grad: linearTicks(0, Math.max(extent(points, (p) => [p.gradNorm])[1], clipNorm ?? 0)),
    }),
    [points, clipNorm],
  );
  const axes = useStable(computed);
  return (
    <ChartFigure
      testId="lr-grad-chart"
      data={{ points: points.length }}
      caption={
        <>
          <span className="key key-lr">learning rate</span> (left axis) and{' '}
          <span className="key key-grad">gradient norm</span> before clipping (right axis)
          {clipNorm ? `; clipped at ${clipNorm} (dashed)` : ''}
        </>
      }
    >
      <TrainingChart
        rows={points as LrGradPoint[]}
        height={180}
        title="Learning rate and gradient norm against step; ← and → read out the steps"
        xKey="step"
        x={axes.x}
        readoutValue={readout}
      >
        <YAxis yAxisId="lr" {...axes.lr} tickFormatter={lrText} width={44} {...look} />
        <YAxis
          yAxisId="grad"
          orientation="right"
          {...axes.grad}
          tickFormatter={normText}
          width={40}
          {...look}
        />
        {clipNorm !== undefined && (
          <ReferenceLine yAxisId="grad" y={clipNorm} stroke={colors.grad} strokeDasharray="4 4" />
        )}
        <Line yAxisId="lr" dataKey="lr" name="learning rate" stroke={colors.lr} {...STILL_LINE} />
        <Line yAxisId="grad" dataKey="gradNorm" name="gradient norm" stroke={colors.grad} {...STILL_LINE} />
      </TrainingChart>
    </ChartFigure>
  );
}
