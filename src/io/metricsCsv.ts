/**
 * Reads a metrics.csv in the lab's columns (Export run's, or the PyTorch project's train.py's):
 * a header with at least step, loss, smoothed_loss, lr and grad_norm, then one row per step.
 * `ema_decay` is read where the file has it (files written before issue 20 do not). Other columns
 * (loss_t_*) are ignored; an empty cell is a gap. Errors name the line and column.
 */

/** One step of a metrics.csv. */
export interface CsvMetricPoint {
  step: number;
  loss: number;
  smoothedLoss: number;
  lr: number;
  gradNorm: number;
  /** The EMA decay the step used; null with EMA off or in a file without the column. */
  emaDecay: number | null;
}

/** A file that is not a lab metrics.csv. */
export class MetricsCsvError extends Error {
  override readonly name = 'MetricsCsvError';
}

const COLUMNS = {
  step: 'step',
  loss: 'loss',
  smoothedLoss: 'smoothed_loss',
  lr: 'lr',
  gradNorm: 'grad_norm',
  emaDecay: 'ema_decay',
} as const;
type Column = keyof typeof COLUMNS;

/** Columns a metrics.csv may lack: Export run's and train.py's from before issue 20 have no ema_decay. */
const OPTIONAL: ReadonlySet<Column> = new Set(['emaDecay']);

const nullIfGap = (n: number): number | null => (Number.isNaN(n) ? null : n);

/** Parses the text of a metrics.csv; rows come back sorted by step. */
export function parseMetricsCsv(text: string, fileName: string): CsvMetricPoint[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new MetricsCsvError(`${fileName} is empty`);
  const header = lines[0].split(',').map((h) => h.trim());
  const index = Object.fromEntries(
    Object.entries(COLUMNS).map(([key, column]) => {
      const i = header.indexOf(column);
      if (i < 0 && !OPTIONAL.has(key as Column))
        throw new MetricsCsvError(
          `${fileName} has no "${column}" column; a lab metrics.csv starts with step,loss,smoothed_loss,lr,grad_norm (found ${header.slice(0, 6).join(',')})`,
        );
      return [key, i];
    }),
  ) as Record<Column, number>;
  const points = lines.slice(1).map((line, row) => {
    const cells = line.split(',');
    const value = (key: Column) => {
      const cell = (cells[index[key]] ?? '').trim();
      const n = cell === '' ? NaN : Number(cell);
      if (key === 'step' && !(Number.isSafeInteger(n) && n >= 0))
        throw new MetricsCsvError(
          `${fileName} line ${row + 2}: step ${JSON.stringify(cell)} is not a step number`,
        );
      if (cell !== '' && Number.isNaN(n))
        throw new MetricsCsvError(
          `${fileName} line ${row + 2}: ${COLUMNS[key]} ${JSON.stringify(cell)} is not a number`,
        );
      return n;
    };
    return {
      step: value('step'),
      loss: value('loss'),
      smoothedLoss: value('smoothedLoss'),
      lr: value('lr'),
      gradNorm: value('gradNorm'),
      emaDecay: nullIfGap(value('emaDecay')),
    };
  });
  if (points.length === 0) throw new MetricsCsvError(`${fileName} has a header but no rows`);
  return points.sort((a, b) => a.step - b.step);
}
