import { useId } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { LrGradPoint } from '../../store/metricsStore';
import { extent, linearTicks } from './axisTicks';
import { plainTick } from './plainTick';

const StepTick = plainTick((v) => String(Math.round(v)));
const LrTick = plainTick((v) => v.toExponential(0));
const NormTick = plainTick((v) => v.toPrecision(2));

/** Learning rate (warm-up) and gradient norm before clipping, with the clip threshold for reference. */
export function LrGradChart({
  points,
  clipNorm,
}: {
  points: readonly LrGradPoint[];
  clipNorm: number | undefined;
}) {
  const id = useId();
  const x = linearTicks(...extent(points, (p) => [p.step]));
  const lr = linearTicks(0, extent(points, (p) => [p.lr])[1]);
  const g = linearTicks(0, extent(points, (p) => [p.gradNorm])[1]);
  return (
    <figure
      className="chart"
      aria-labelledby={`${id}-cap`}
      data-testid="lr-grad-chart"
      data-points={points.length}
    >
      <figcaption id={`${id}-cap`}>
        <span className="key key-lr">learning rate</span> (left axis) and{' '}
        <span className="key key-grad">gradient norm</span> before clipping (right axis)
        {clipNorm ? `; clipped at ${clipNorm}` : ''}
      </figcaption>
      <LineChart
        width={560}
        height={180}
        data={points as LrGradPoint[]}
        margin={{ top: 5, right: 12, bottom: 5, left: 0 }}
      >
        <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
        <XAxis dataKey="step" type="number" domain={x.domain} ticks={x.ticks} tick={StepTick} />
        <YAxis yAxisId="lr" domain={lr.domain} ticks={lr.ticks} tick={LrTick} width={56} />
        <YAxis yAxisId="g" orientation="right" domain={g.domain} ticks={g.ticks} tick={NormTick} width={40} />
        <Tooltip formatter={(v) => Number(v).toPrecision(3)} labelFormatter={(l) => `step ${l}`} />
        <Line yAxisId="lr" dataKey="lr" name="lr" dot={false} stroke="#1a7f37" isAnimationActive={false} />
        <Line
          yAxisId="g"
          dataKey="gradNorm"
          name="grad norm"
          dot={false}
          stroke="#cf222e"
          isAnimationActive={false}
        />
      </LineChart>
    </figure>
  );
}
