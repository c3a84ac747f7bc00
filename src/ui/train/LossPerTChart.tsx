import { useMemo } from 'react';
import type { BandPoint } from '../../clinic/reference';
import type { LossPerTCurve } from '../../store/metricsStore';
import { extent, linearTicks, logTicks } from './axisTicks';
import { CanvasChart } from './CanvasChart';
import { ChartFigure } from './ChartFigure';

interface Props {
  current: LossPerTCurve | undefined;
  snapshot: LossPerTCurve | undefined;
  T: number;
  onSnapshot(): void;
  /** The reference's loss per t (one band point per bucket), drawn dashed. */
  reference?: { step: number; buckets: readonly BandPoint[] };
}

/**
 * DDPM.md §4: ε-MSE on CIFAR-10 at batch 128 is about 0.03 early and settles around 0.015–0.03.
 * That is the average over t; the curve shows where in t the loss lives.
 */
export const TYPICAL_LOSS: readonly [number, number] = [0.015, 0.03];

const tLabel = (v: number) => String(Math.round(v));
const lossLabel = (v: number) => v.toPrecision(2);
const finite = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? null : v;

/** Loss against timestep, now and at an earlier snapshot, with the paper's typical range shaded. */
export function LossPerTChart({ current, snapshot, T, onSnapshot, reference }: Props) {
  const chart = useMemo(() => {
    const n = current?.buckets.length ?? snapshot?.buckets.length ?? 0;
    const now = Array.from({ length: n }, (_, k) => finite(current?.buckets[k]));
    const before = Array.from({ length: n }, (_, k) => finite(snapshot?.buckets[k]));
    const ref = reference?.buckets.length === n ? reference.buckets : null;
    const refLo = ref ? ref.map((b) => finite(b.lo)) : [];
    const refHi = ref ? ref.map((b) => finite(b.hi)) : [];
    const [lo, hi] = extent([...now, ...before, ...refLo, ...refHi], (v) => [v]);
    return {
      xs: Array.from({ length: n }, (_, k) => Math.round(((k + 0.5) * T) / n)),
      x: { ...linearTicks(0, T), format: tLabel },
      // The typical range stays in view, so a curve reads against it from the first step.
      y: {
        ...logTicks(Math.min(lo, TYPICAL_LOSS[0]), Math.max(hi, TYPICAL_LOSS[1])),
        format: lossLabel,
        log: true,
      },
      band: { from: TYPICAL_LOSS[0], to: TYPICAL_LOSS[1], color: 'rgba(26, 127, 55, 0.15)' },
      series: [
        ...(ref ? [refLo, refHi].map((ys) => ({ ys, color: '#8c959f', dash: [3, 3] })) : []),
        { ys: now, color: '#0969da', width: 2 },
        ...(snapshot ? [{ ys: before, color: '#9a6700', dash: [5, 3] }] : []),
      ],
    };
  }, [current, snapshot, T, reference]);
  return (
    <ChartFigure
      testId="loss-per-t-chart"
      data={{ buckets: chart.xs.length, 'reference-step': reference?.step }}
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
          ; shaded: the typical overall ε-MSE of CIFAR-10, 0.015–0.03 (DDPM.md §4)
          {reference ? `; dashed: the reference trainer’s seeds at step ${reference.step}` : ''}
        </>
      }
    >
      <button type="button" onClick={onSnapshot} disabled={!current}>
        Snapshot for comparison
      </button>
      <CanvasChart width={560} height={220} label="Loss per timestep t, log scale" {...chart} />
    </ChartFigure>
  );
}
