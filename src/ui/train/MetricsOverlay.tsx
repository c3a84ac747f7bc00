import { useMemo } from 'react';
import { Line, YAxis } from 'recharts';
import { useMetrics } from '../../store/metricsStore';
import { alignSeries, useOverlay } from '../../store/overlayStore';
import { extent, linearTicks } from '../charts/axisTicks';
import { ChartFigure } from '../charts/ChartFigure';
import { LOSS_AXIS, STILL_LINE, useAxisLook, useChartColors, useStable } from '../charts/chartTheme';
import { TrainingChart } from '../charts/TrainingChart';

/**
 * "Compare metrics.csv": the smoothed loss of a metrics.csv (the PyTorch project's output/metrics.csv,
 * or another run's export) beside the browser run's, on one step axis, so a run continued on GPUs
 * shows where it picked up.
 */
export function MetricsOverlay() {
  const overlay = useOverlay((s) => s.overlay);
  const error = useOverlay((s) => s.error);
  const browser = useMetrics((s) => s.loss);
  const colors = useChartColors();
  const look = useAxisLook(colors);
  const chart = useMemo(() => {
    if (!overlay) return undefined;
    const series = (points: readonly { step: number; smoothed: number }[]) =>
      points.map((p) => ({ step: p.step, value: p.smoothed }));
    const aligned = alignSeries(series(browser), series(overlay.points));
    const [lo, hi] = extent([...browser, ...overlay.points], (p) => [p.smoothed]);
    return {
      rows: aligned.xs.map((step, i) => ({ step, run: aligned.a[i], csv: aligned.b[i] })),
      x: linearTicks(...extent(aligned.xs, (x) => [x])),
      y: linearTicks(Math.min(0, lo), hi),
    };
  }, [overlay, browser]);
  const xAxis = useStable(chart?.x ?? null);
  const yAxis = useStable(chart?.y ?? null);
  const { load, clear } = useOverlay.getState();
  return (
    <section className="panel" aria-labelledby="overlay-title">
      <h3 id="overlay-title">Compare metrics.csv</h3>
      <div className="row">
        <label>
          metrics.csv{' '}
          <input
            type="file"
            accept=".csv,text/csv"
            data-testid="overlay-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void load(file);
              e.target.value = '';
            }}
          />
        </label>
        {overlay && (
          <button type="button" onClick={clear}>
            Remove
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {overlay && chart && xAxis && yAxis && (
        <ChartFigure
          testId="overlay-chart"
          data={{ rows: overlay.rows, first: overlay.points[0]?.step, last: overlay.points.at(-1)?.step }}
          caption={
            <>
              Smoothed loss: <span className="key key-main">this run</span> and{' '}
              <span className="key key-before">{overlay.fileName}</span> ({overlay.rows.toLocaleString('en')}{' '}
              rows, steps {overlay.points[0]?.step}–{overlay.points.at(-1)?.step})
            </>
          }
        >
          <TrainingChart
            rows={chart.rows}
            height={200}
            title="Smoothed loss of this run and of the metrics.csv against step; ← and → read out the steps"
            xKey="step"
            x={xAxis}
          >
            <YAxis domain={yAxis.domain} ticks={yAxis.ticks} {...LOSS_AXIS} {...look} />
            <Line dataKey="run" name="this run" stroke={colors.main} strokeWidth={2} {...STILL_LINE} />
            <Line
              dataKey="csv"
              name={overlay.fileName}
              stroke={colors.before}
              strokeWidth={2}
              {...STILL_LINE}
            />
          </TrainingChart>
        </ChartFigure>
      )}
      {!overlay && (
        <p className="hint">
          Pick the <code>output/metrics.csv</code> of an exported PyTorch project (or an Export run’s) to draw
          its smoothed loss beside this run’s.
        </p>
      )}
    </section>
  );
}
