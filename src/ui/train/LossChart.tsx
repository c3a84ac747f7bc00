import { useId } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { LossPoint } from '../../store/metricsStore';
import { extent, linearTicks, logTicks } from './axisTicks';
import { plainTick } from './plainTick';

interface Props {
  points: readonly LossPoint[];
  logScale: boolean;
  onLogScale(on: boolean): void;
}

const StepTick = plainTick((v) => String(Math.round(v)));
const LossTick = plainTick((v) => v.toPrecision(2));

/** Raw and smoothed training loss against step, optionally on a log axis. */
export function LossChart({ points, logScale, onLogScale }: Props) {
  const id = useId();
  const last = points[points.length - 1];
  // A log axis cannot show 0 or negatives; a loss of exactly 0 would only come from a broken run.
  const data = logScale ? points.filter((p) => p.loss > 0 && p.smoothed > 0) : points;
  const x = linearTicks(...extent(data, (p) => [p.step]));
  const [lo, hi] = extent(data, (p) => [p.loss, p.smoothed]);
  const y = logScale ? logTicks(lo, hi) : linearTicks(Math.min(0, lo), hi);
  return (
    <figure
      className="chart"
      aria-labelledby={`${id}-cap`}
      data-testid="loss-chart"
      data-points={points.length}
      data-first-smoothed={points[0]?.smoothed}
      data-last-smoothed={last?.smoothed}
    >
      <figcaption id={`${id}-cap`}>
        Loss: <span className="key key-raw">raw</span> and <span className="key key-main">smoothed</span>
        {last
          ? ` · step ${last.step}: ${last.loss.toPrecision(3)} (smoothed ${last.smoothed.toPrecision(3)})`
          : ''}
      </figcaption>
      <label className="inline">
        <input type="checkbox" checked={logScale} onChange={(e) => onLogScale(e.target.checked)} /> log scale
      </label>
      <LineChart
        width={560}
        height={200}
        data={data as LossPoint[]}
        margin={{ top: 5, right: 12, bottom: 5, left: 0 }}
      >
        <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
        <XAxis dataKey="step" type="number" domain={x.domain} ticks={x.ticks} tick={StepTick} />
        <YAxis
          scale={logScale ? 'log' : 'linear'}
          domain={y.domain}
          ticks={y.ticks}
          tick={LossTick}
          width={48}
        />
        <Tooltip formatter={(v) => Number(v).toPrecision(4)} labelFormatter={(l) => `step ${l}`} />
        <Line dataKey="loss" name="loss" dot={false} stroke="#999" isAnimationActive={false} />
        <Line
          dataKey="smoothed"
          name="smoothed"
          dot={false}
          stroke="#0969da"
          strokeWidth={2}
          isAnimationActive={false}
        />
      </LineChart>
    </figure>
  );
}
