import { useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from 'recharts';
import { referenceBand, referenceLossPerT, type ReferenceCurve } from '../../clinic/reference';
import type { RunRecord } from '../../store/runsStore';

const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df'];
const BAND = '#bbb';

interface Props {
  runs: RunRecord[];
  reference: ReferenceCurve | null;
}

/**
 * The compared runs' loss and loss-per-t curves overlaid, with the reference band (the spread
 * over the reference trainer's seeds) behind them. Redrawn only when the compared runs change,
 * so recharts' cost is paid rarely.
 */
export function CompareCharts({ runs, reference }: Props) {
  const lastStep = Math.max(0, ...runs.map((r) => r.points[r.points.length - 1]?.step ?? 0));
  // The band over the compared runs' steps only (a 6-step run would vanish beside 600 reference steps).
  const band = useMemo(() => {
    if (!reference) return [];
    const all = referenceBand(reference);
    const upTo = all.findIndex((b) => b.step >= lastStep);
    return all.slice(0, upTo < 0 ? all.length : upTo + 1);
  }, [reference, lastStep]);
  const perTAt = useMemo(
    () => (reference ? referenceLossPerT(reference, lastStep) : null),
    [reference, lastStep],
  );
  const perTBand = perTAt?.buckets ?? [];
  const perT = (r: RunRecord) => (r.lossPerT?.mean ?? []).map((v, i) => ({ step: i, loss: v }));
  return (
    <div className="charts-row">
      <figure
        className="chart"
        data-testid="compare-loss"
        data-runs={runs.length}
        data-band={band.length}
        aria-label="Loss of the compared runs against step, with the reference band"
      >
        <figcaption>Loss against step{band.length > 0 ? ', reference band in grey' : ''}</figcaption>
        <ComposedChart width={460} height={220} margin={{ top: 5, right: 10, bottom: 5, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis
            dataKey="step"
            type="number"
            domain={[0, 'dataMax']}
            allowDuplicatedCategory={false}
            tick={{ fontSize: 11 }}
          />
          <YAxis
            type="number"
            scale="log"
            domain={['auto', 'auto']}
            allowDataOverflow
            tick={{ fontSize: 11 }}
            width={44}
          />
          <Tooltip
            formatter={(v) =>
              Array.isArray(v) ? v.map((x) => Number(x).toPrecision(3)).join('–') : Number(v).toPrecision(3)
            }
          />
          <Legend />
          {band.length > 0 && (
            <Area
              data={band}
              dataKey={(d: { lo: number; hi: number }) => [d.lo, d.hi]}
              name="reference"
              stroke="none"
              fill={BAND}
              fillOpacity={0.6}
              isAnimationActive={false}
            />
          )}
          {runs.map((r, i) => (
            <Line
              key={r.id}
              data={r.points}
              dataKey="loss"
              name={r.name}
              dot={false}
              stroke={COLORS[i % COLORS.length]}
              isAnimationActive={false}
            />
          ))}
        </ComposedChart>
      </figure>
      <figure
        className="chart"
        data-testid="compare-loss-per-t"
        data-band={perTBand.length}
        aria-label="Loss per t bucket of the compared runs, with the reference band"
      >
        <figcaption>
          Loss per t (20 buckets over [0, T))
          {perTAt ? `, reference band at step ${perTAt.step.toLocaleString('en-US')} in grey` : ''}
        </figcaption>
        <ComposedChart width={460} height={220} margin={{ top: 5, right: 10, bottom: 5, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis
            dataKey="step"
            type="number"
            domain={[0, 19]}
            allowDuplicatedCategory={false}
            tick={{ fontSize: 11 }}
          />
          <YAxis type="number" tick={{ fontSize: 11 }} width={44} />
          <Tooltip
            formatter={(v) =>
              Array.isArray(v) ? v.map((x) => Number(x).toPrecision(3)).join('–') : Number(v).toPrecision(3)
            }
          />
          {perTBand.length > 0 && (
            <Area
              data={perTBand.filter((b) => Number.isFinite(b.mid))}
              dataKey={(d: { lo: number; hi: number }) => [d.lo, d.hi]}
              name="reference"
              stroke="none"
              fill={BAND}
              fillOpacity={0.6}
              isAnimationActive={false}
            />
          )}
          {runs.map((r, i) => (
            <Line
              key={r.id}
              data={perT(r)}
              dataKey="loss"
              name={r.name}
              dot={false}
              connectNulls
              stroke={COLORS[i % COLORS.length]}
              isAnimationActive={false}
            />
          ))}
        </ComposedChart>
      </figure>
    </div>
  );
}
