import { useId } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { LrGradPoint } from '../../store/metricsStore';

/** Learning rate (warm-up) and gradient norm before clipping, with the clip threshold for reference. */
export function LrGradChart({
  points,
  clipNorm,
}: {
  points: readonly LrGradPoint[];
  clipNorm: number | undefined;
}) {
  const id = useId();
  return (
    <figure
      className="chart"
      aria-labelledby={`${id}-cap`}
      data-testid="lr-grad-chart"
      data-points={points.length}
    >
      <figcaption id={`${id}-cap`}>
        Learning rate and gradient norm{clipNorm ? ` (clipped at ${clipNorm})` : ''}
      </figcaption>
      <LineChart
        width={560}
        height={200}
        data={points as LrGradPoint[]}
        margin={{ top: 5, right: 12, bottom: 5, left: 0 }}
      >
        <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
        <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tick={{ fontSize: 11 }} />
        <YAxis
          yAxisId="lr"
          tick={{ fontSize: 11 }}
          width={56}
          tickFormatter={(v: number) => v.toExponential(0)}
        />
        <YAxis
          yAxisId="g"
          orientation="right"
          tick={{ fontSize: 11 }}
          width={40}
          tickFormatter={(v: number) => v.toPrecision(2)}
        />
        <Tooltip formatter={(v) => Number(v).toPrecision(3)} labelFormatter={(l) => `step ${l}`} />
        <Legend />
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
