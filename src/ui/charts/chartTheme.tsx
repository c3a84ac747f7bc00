/**
 * The training charts' look, from the page's CSS variables (styles.css), so recharts' SVG strokes
 * follow the light or dark scheme: SVG presentation attributes cannot read `var(--…)` themselves.
 */
import { useMemo, useSyncExternalStore } from 'react';
import { Curve, Line, type LineDrawShapeProps } from 'recharts';
import { lossTick } from './axisTicks';

export interface ChartColors {
  /** The main series (smoothed loss, the current loss-per-t curve). */
  main: string;
  /** Secondary or earlier series (raw loss, the snapshot). */
  muted: string;
  before: string;
  lr: string;
  grad: string;
  band: string;
  grid: string;
  text: string;
}

const VARS: Record<keyof ChartColors, string> = {
  main: '--series-main',
  muted: '--series-muted',
  before: '--series-before',
  lr: '--series-lr',
  grad: '--series-grad',
  band: '--series-band',
  grid: '--chart-grid',
  text: '--text-muted',
};

/** Colours for SSR and tests, where no style sheet is loaded: the light scheme's. */
const FALLBACK: ChartColors = {
  main: '#0969da',
  muted: '#8c959f',
  before: '#9a6700',
  lr: '#1a7f37',
  grad: '#cf222e',
  band: 'rgba(26, 127, 55, 0.15)',
  grid: 'rgba(136, 136, 136, 0.35)',
  text: '#57606a',
};

let cached: ChartColors | undefined;

function read(): ChartColors {
  if (cached) return cached;
  if (typeof document === 'undefined') return FALLBACK;
  const style = getComputedStyle(document.documentElement);
  const entries = Object.entries(VARS).map(([key, name]) => {
    const v = style.getPropertyValue(name).trim();
    return [key, v || FALLBACK[key as keyof ChartColors]];
  });
  cached = Object.fromEntries(entries) as unknown as ChartColors;
  return cached;
}

function subscribe(onChange: () => void): () => void {
  if (typeof window === 'undefined' || !window.matchMedia) return () => {};
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const listener = () => {
    cached = undefined;
    onChange();
  };
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}

/** The chart colours of the current colour scheme; re-read when the scheme changes. */
export function useChartColors(): ChartColors {
  return useSyncExternalStore(subscribe, read, () => FALLBACK);
}

/** Shared recharts settings: room for the axes. */
export const CHART_MARGIN = { top: 6, right: 8, bottom: 0, left: 0 };

/**
 * The props every axis shares, one object per colour scheme. recharts copies an axis's props into
 * its store whenever they change by reference, and every copy costs another render of the whole
 * chart: a redraw stays one render only if the props that did not change keep their identity.
 */
export function useAxisLook(colors: ChartColors) {
  return useMemo(
    () => ({ tick: { fontSize: 11, fill: colors.text }, stroke: colors.grid }) as const,
    [colors],
  );
}

/** Plain data (axis domains, ticks) that keeps its identity while its value stays the same. */
export function useStable<T>(value: T): T {
  const json = JSON.stringify(value);
  return useMemo(() => JSON.parse(json) as T, [json]);
}

/**
 * A Line's shape drawn without its path ref. recharts' own shape hands the path element to the
 * Line, which measures it (`getTotalLength`, a forced SVG layout of every point) on each render to
 * animate the line's entrance; these charts never animate, so the measuring is pure cost.
 */
export function stillCurve(props: LineDrawShapeProps) {
  const {
    pathRef: _ref,
    visibleLength: _len,
    animationElapsedTime: _t,
    isAnimating: _a,
    isEntrance: _e,
    ...curve
  } = props;
  return <Curve {...curve} />;
}

/** What every line of these charts shares: no dots, no animation, no path measuring. */
export const STILL_LINE = { dot: false, isAnimationActive: false, shape: stillCurve } as const;

/** A log-or-linear loss axis on the left: its labels (`lossTick`) and room for them. */
export const LOSS_AXIS = {
  type: 'number',
  allowDataOverflow: true,
  tickFormatter: lossTick,
  width: 44,
} as const;

/** Axis labels and readouts the step-based charts share. */
export const stepText = (v: number) => String(Math.round(v));
export const stepLabel = (s: unknown) => `step ${String(s)}`;
export const value = (v: unknown) => Number(v).toPrecision(4);

/**
 * The reference band's two dashed edges (`refLo`, `refHi` in the chart's data), as the live loss
 * and loss-per-t charts draw them. A function, not a component: recharts reads its lines as the
 * chart's own children.
 */
export function referenceBandLines(stroke: string) {
  return (
    <>
      <Line dataKey="refLo" name="reference low" stroke={stroke} strokeDasharray="3 3" {...STILL_LINE} />
      <Line dataKey="refHi" name="reference high" stroke={stroke} strokeDasharray="3 3" {...STILL_LINE} />
    </>
  );
}
