import { useMemo } from 'react';
import { useMetrics } from '../../store/metricsStore';
import { alignSeries, useOverlay } from '../../store/overlayStore';
import { extent, linearTicks } from './axisTicks';
import { CanvasChart } from './CanvasChart';
import { ChartFigure } from './ChartFigure';

const stepLabel = (v: number) => String(Math.round(v));
const lossLabel = (v: number) => v.toPrecision(2);

/**
 * "Compare metrics.csv": the smoothed loss of a metrics.csv (the PyTorch project's output/metrics.csv,
 * or another run's export) beside the browser run's, on one step axis, so a run continued on GPUs
 * shows where it picked up.
 */
export function MetricsOverlay() {
  const overlay = useOverlay((s) => s.overlay);
  const error = useOverlay((s) => s.error);
  const browser = useMetrics((s) => s.loss);
  const chart = useMemo(() => {
    if (!overlay) return undefined;
    const series = (points: readonly { step: number; smoothed: number }[]) =>
      points.map((p) => ({ step: p.step, value: p.smoothed }));
    const aligned = alignSeries(series(browser), series(overlay.points));
    const [lo, hi] = extent([...browser, ...overlay.points], (p) => [p.smoothed]);
    return {
      xs: aligned.xs,
      x: { ...linearTicks(...extent(aligned.xs, (x) => [x])), format: stepLabel },
      y: { ...linearTicks(Math.min(0, lo), hi), format: lossLabel },
      series: [
        { ys: aligned.a, color: '#0969da', width: 2 },
        { ys: aligned.b, color: '#bf8700', width: 2 },
      ],
    };
  }, [overlay, browser]);
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
      {overlay && chart && (
        <ChartFigure
          testId="overlay-chart"
          data={{ rows: overlay.rows, first: overlay.points[0]?.step, last: overlay.points.at(-1)?.step }}
          caption={
            <>
              Smoothed loss: <span className="key key-main">this run</span> and{' '}
              <span style={{ color: '#bf8700' }}>{overlay.fileName}</span> (
              {overlay.rows.toLocaleString('en')} rows, steps {overlay.points[0]?.step}–
              {overlay.points.at(-1)?.step})
            </>
          }
        >
          <CanvasChart
            width={560}
            height={200}
            label="Smoothed loss of this run and of the metrics.csv against step"
            {...chart}
          />
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
