import { useId, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, Tooltip, XAxis, YAxis } from 'recharts';
import type { LossPerTCurve } from '../../store/metricsStore';
import { extent, linearTicks, logTicks } from './axisTicks';
import { plainTick } from './plainTick';

const TTick = plainTick((v) => String(Math.round(v)));
const LossTick = plainTick((v) => v.toPrecision(2));

interface Props {
  current: LossPerTCurve | undefined;
  snapshot: LossPerTCurve | undefined;
  T: number;
  onSnapshot(): void;
}

/**
 * DDPM.md §4: ε-MSE on CIFAR-10 at batch 128 is about 0.03 early and settles around 0.015–0.03.
 * That is the average over t; the curve shows where in t the loss lives.
 */
export const TYPICAL_LOSS: readonly [number, number] = [0.015, 0.03];

/** Loss against timestep, now and at an earlier snapshot, with the paper's typical range shaded. */
export function LossPerTChart({ current, snapshot, T, onSnapshot }: Props) {
  const id = useId();
  const data = useMemo(() => {
    const n = current?.buckets.length ?? snapshot?.buckets.length ?? 0;
    const value = (v: number | null | undefined) =>
      v === null || v === undefined || !Number.isFinite(v) ? null : v;
    return Array.from({ length: n }, (_, k) => ({
      t: Math.round(((k + 0.5) * T) / n),
      now: value(current?.buckets[k]),
      before: value(snapshot?.buckets[k]),
    }));
  }, [current, snapshot, T]);
  const x = linearTicks(0, T);
  const [lo, hi] = extent(data, (r) => [r.now, r.before]);
  // The typical range stays in view, so a curve reads against it from the first step.
  const y = logTicks(Math.min(lo, TYPICAL_LOSS[0]), Math.max(hi, TYPICAL_LOSS[1]));
  return (
    <figure
      className="chart"
      aria-labelledby={`${id}-cap`}
      data-testid="loss-per-t-chart"
      data-buckets={data.length}
    >
      <figcaption id={`${id}-cap`}>
        Loss per timestep t: <span className="key key-main">{current ? `step ${current.step}` : 'now'}</span>
        {snapshot && (
          <>
            {' '}
            against <span className="key key-before">snapshot at step {snapshot.step}</span>
          </>
        )}
        ; shaded: the typical overall ε-MSE of CIFAR-10, 0.015–0.03 (DDPM.md §4)
      </figcaption>
      <button type="button" onClick={onSnapshot} disabled={!current}>
        Snapshot for comparison
      </button>
      <LineChart width={560} height={220} data={data} margin={{ top: 5, right: 12, bottom: 5, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
        <XAxis dataKey="t" type="number" domain={x.domain} ticks={x.ticks} tick={TTick} />
        <YAxis scale="log" domain={y.domain} ticks={y.ticks} tick={LossTick} width={48} />
        <ReferenceArea y1={TYPICAL_LOSS[0]} y2={TYPICAL_LOSS[1]} fill="#1a7f37" fillOpacity={0.15} />
        <Tooltip formatter={(v) => Number(v).toPrecision(3)} labelFormatter={(l) => `t ≈ ${l}`} />
        <Line
          dataKey="now"
          name={current ? `step ${current.step}` : 'now'}
          stroke="#0969da"
          strokeWidth={2}
          isAnimationActive={false}
          connectNulls
        />
        {snapshot && (
          <Line
            dataKey="before"
            name={`snapshot, step ${snapshot.step}`}
            stroke="#9a6700"
            strokeDasharray="5 3"
            isAnimationActive={false}
            connectNulls
          />
        )}
      </LineChart>
    </figure>
  );
}
