import { useMemo } from 'react';
import type { LrGradPoint } from '../../store/metricsStore';
import { extent, linearTicks } from './axisTicks';
import { CanvasChart } from './CanvasChart';
import { ChartFigure } from './ChartFigure';

const step = (v: number) => String(Math.round(v));
const lrLabel = (v: number) => v.toExponential(0);
const normLabel = (v: number) => v.toPrecision(2);

/** Learning rate (warm-up) and gradient norm before clipping, with the clip threshold for reference. */
export function LrGradChart({
  points,
  clipNorm,
}: {
  points: readonly LrGradPoint[];
  clipNorm: number | undefined;
}) {
  const chart = useMemo(
    () => ({
      xs: points.map((p) => p.step),
      x: { ...linearTicks(...extent(points, (p) => [p.step])), format: step },
      y: { ...linearTicks(0, extent(points, (p) => [p.lr])[1]), format: lrLabel },
      y2: { ...linearTicks(0, extent(points, (p) => [p.gradNorm])[1]), format: normLabel },
      series: [
        { ys: points.map((p) => p.lr), color: '#1a7f37' },
        { ys: points.map((p) => p.gradNorm), color: '#cf222e', right: true },
      ],
    }),
    [points],
  );
  return (
    <ChartFigure
      testId="lr-grad-chart"
      data={{ points: points.length }}
      caption={
        <>
          <span className="key key-lr">learning rate</span> (left axis) and{' '}
          <span className="key key-grad">gradient norm</span> before clipping (right axis)
          {clipNorm ? `; clipped at ${clipNorm}` : ''}
        </>
      }
    >
      <CanvasChart width={560} height={180} label="Learning rate and gradient norm against step" {...chart} />
    </ChartFigure>
  );
}
