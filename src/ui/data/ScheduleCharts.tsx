import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { ScheduleDescription } from '../../diffusion';

interface Props {
  schedule: ScheduleDescription;
  /** The timestep the forward view shows, marked on both plots. */
  t: number;
}

/** Plotting every one of T = 1000 points buys nothing at this width. */
const MAX_POINTS = 250;

/** ᾱ_t and SNR(t) in dB of the current schedule. */
export function ScheduleCharts({ schedule, t }: Props) {
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
  const finite = data.filter((d) => Number.isFinite(d.snrDb));
  return (
    <div className="charts-row">
      <figure className="chart" aria-label="ᾱ_t against t">
        <figcaption>ᾱ_t (signal kept)</figcaption>
        <LineChart width={300} height={170} data={data} margin={{ top: 5, right: 10, bottom: 5, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis dataKey="t" type="number" domain={[0, 'dataMax']} tick={{ fontSize: 11 }} />
          <YAxis domain={[0, 1]} tick={{ fontSize: 11 }} width={36} />
          <Tooltip formatter={(v) => Number(v).toPrecision(3)} labelFormatter={(l) => `t = ${l}`} />
          <Line dataKey="alphaBar" name="ᾱ_t" dot={false} stroke="#0969da" isAnimationActive={false} />
          <ReferenceLine x={t} stroke="#cf222e" />
        </LineChart>
      </figure>
      <figure className="chart" aria-label="Signal-to-noise ratio in decibels against t">
        <figcaption>SNR(t) = ᾱ_t/(1−ᾱ_t) in dB</figcaption>
        <LineChart width={300} height={170} data={finite} margin={{ top: 5, right: 10, bottom: 5, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis dataKey="t" type="number" domain={[0, 'dataMax']} tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={36} />
          <Tooltip formatter={(v) => `${Number(v).toFixed(1)} dB`} labelFormatter={(l) => `t = ${l}`} />
          <Line dataKey="snrDb" name="SNR" dot={false} stroke="#8250df" isAnimationActive={false} />
          <ReferenceLine y={0} stroke="#888" strokeDasharray="4 4" />
          <ReferenceLine x={t} stroke="#cf222e" />
        </LineChart>
      </figure>
    </div>
  );
}
