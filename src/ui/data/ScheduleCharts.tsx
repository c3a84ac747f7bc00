import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { ScheduleDescription } from '../../diffusion';
import { CHART_MARGIN, STILL_LINE, useAxisLook, useChartColors } from '../charts/chartTheme';

interface Props {
  schedule: ScheduleDescription;
  /** The timestep the forward view shows, marked on both plots. */
  t: number;
}

/** Plotting every one of T = 1000 points buys nothing at this width. */
const MAX_POINTS = 250;
const STYLE = { width: '100%', height: 170 };
const X_DOMAIN = [0, 'dataMax'] as const;
const UNIT_DOMAIN = [0, 1];
const tLabel = (l: unknown) => `t = ${String(l)}`;
const alphaText = (v: unknown) => Number(v).toPrecision(3);
const dbText = (v: unknown) => `${Number(v).toFixed(1)} dB`;

/** ᾱ_t and SNR(t) in dB of the current schedule. */
export function ScheduleCharts({ schedule, t }: Props) {
  const colors = useChartColors();
  const look = useAxisLook(colors);
  const data = useMemo(() => {
    const T = schedule.alphaBar.length;
    const every = Math.ceil(T / MAX_POINTS);
    const rows: { t: number; alphaBar: number; snrDb: number }[] = [];
    for (let s = 0; s < T; s += every)
      rows.push({ t: s, alphaBar: schedule.alphaBar[s], snrDb: schedule.snrDb[s] });
    if (rows[rows.length - 1].t !== T - 1)
      rows.push({ t: T - 1, alphaBar: schedule.alphaBar[T - 1], snrDb: schedule.snrDb[T - 1] });
    return rows;
  }, [schedule]);
  const finite = useMemo(() => data.filter((d) => Number.isFinite(d.snrDb)), [data]);
  return (
    <div className="charts-row">
      <figure className="chart" aria-label="ᾱ_t against t">
        <figcaption>ᾱ_t (signal kept)</figcaption>
        <LineChart responsive style={STYLE} data={data} margin={CHART_MARGIN} title="ᾱ_t against t">
          <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} />
          <XAxis dataKey="t" type="number" domain={X_DOMAIN} {...look} />
          <YAxis domain={UNIT_DOMAIN} width={36} {...look} />
          <Tooltip isAnimationActive={false} formatter={alphaText} labelFormatter={tLabel} />
          <Line dataKey="alphaBar" name="ᾱ_t" stroke={colors.main} {...STILL_LINE} />
          <ReferenceLine x={t} stroke={colors.grad} />
        </LineChart>
      </figure>
      <figure className="chart" aria-label="Signal-to-noise ratio in decibels against t">
        <figcaption>SNR(t) = ᾱ_t/(1−ᾱ_t) in dB</figcaption>
        <LineChart
          responsive
          style={STYLE}
          data={finite}
          margin={CHART_MARGIN}
          title="Signal-to-noise ratio in decibels against t"
        >
          <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} />
          <XAxis dataKey="t" type="number" domain={X_DOMAIN} {...look} />
          <YAxis width={36} {...look} />
          <Tooltip isAnimationActive={false} formatter={dbText} labelFormatter={tLabel} />
          <Line dataKey="snrDb" name="SNR" stroke={colors.before} {...STILL_LINE} />
          <ReferenceLine y={0} stroke={colors.muted} strokeDasharray="4 4" />
          <ReferenceLine x={t} stroke={colors.grad} />
        </LineChart>
      </figure>
    </div>
  );
}
