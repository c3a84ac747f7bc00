import { useMemo, type ReactNode } from 'react';
import { CartesianGrid, LineChart, Tooltip, XAxis } from 'recharts';
import { CHART_MARGIN, stepLabel, stepText, useAxisLook, useChartColors, value } from './chartTheme';

interface Props<Row> {
  rows: Row[];
  height: number;
  /** The chart's accessible name (an SVG title); it is a tab stop whose ← and → read values out. */
  title: string;
  /** The x field of the rows (`step`, `t`) and its axis. */
  xKey: string;
  x: { domain: readonly [number, number]; ticks: readonly number[] };
  /** The x tick labels (default: whole steps). */
  xText?: (v: number) => string;
  /** The hover / keyboard readout: its heading from x (default `step N`) and each value (4 digits). */
  readoutLabel?: (x: unknown) => string;
  readoutValue?: (v: unknown, name: unknown) => string;
  /** Y axes, lines, reference lines and areas. */
  children: ReactNode;
}

/**
 * The frame every training chart shares: a recharts LineChart filling its column, a dashed grid,
 * a numeric x axis, and a readout on hover or from the keyboard, no animation. Its props keep their
 * identity between redraws where they can (see `useAxisLook`), so a redraw stays one render.
 */
export function TrainingChart<Row>(p: Props<Row>) {
  const colors = useChartColors();
  const look = useAxisLook(colors);
  const style = useMemo(() => ({ width: '100%', height: p.height }), [p.height]);
  return (
    <LineChart responsive style={style} data={p.rows} margin={CHART_MARGIN} tabIndex={0} title={p.title}>
      <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} />
      <XAxis
        dataKey={p.xKey}
        type="number"
        domain={p.x.domain as [number, number]}
        ticks={p.x.ticks as number[]}
        tickFormatter={p.xText ?? stepText}
        {...look}
      />
      <Tooltip
        isAnimationActive={false}
        labelFormatter={p.readoutLabel ?? stepLabel}
        formatter={p.readoutValue ?? value}
      />
      {p.children}
    </LineChart>
  );
}
