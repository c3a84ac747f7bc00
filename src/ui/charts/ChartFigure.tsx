import { useId, type ReactNode } from 'react';

interface Props {
  testId: string;
  /** `data-*` attributes the browser tests read (point counts, first and last values). */
  data: Record<string, string | number | undefined>;
  /** Names the chart for screen readers too. */
  caption: ReactNode;
  /** The chart's own controls (log scale, snapshot), beside the caption. */
  controls?: ReactNode;
  children: ReactNode;
}

/** A training chart's frame: its caption as its accessible name, its controls, and the chart. */
export function ChartFigure({ testId, data, caption, controls, children }: Props) {
  const id = useId();
  const attributes = Object.fromEntries(Object.entries(data).map(([k, v]) => [`data-${k}`, v]));
  return (
    <figure className="chart" aria-labelledby={`${id}-cap`} data-testid={testId} {...attributes}>
      <div className="chart-head">
        <figcaption id={`${id}-cap`}>{caption}</figcaption>
        {controls}
      </div>
      <div className="chart-body">{children}</div>
    </figure>
  );
}
