/**
 * Reads a metrics.csv in the lab's columns (Export run's, or the PyTorch project's train.py's):
 * a header with at least step, loss, smoothed_loss, lr and grad_norm, then one row per step.
 * Other columns (loss_t_*) are ignored; an empty cell is a gap. Errors name the line and column.
 */

/** One step of a metrics.csv. */
export interface CsvMetricPoint {
  step: number;
  loss: number;
  smoothedLoss: number;
  lr: number;
  gradNorm: number;
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
} as const;

/** Parses the text of a metrics.csv; rows come back sorted by step. */
export function parseMetricsCsv(text: string, fileName: string): CsvMetricPoint[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new MetricsCsvError(`${fileName} is empty`);
  const header = lines[0].split(',').map((h) => h.trim());
  const index = Object.fromEntries(
    Object.entries(COLUMNS).map(([key, column]) => {
      const i = header.indexOf(column);
      if (i < 0)
        throw new MetricsCsvError(
          `${fileName} has no "${column}" column; a lab metrics.csv starts with step,loss,smoothed_loss,lr,grad_norm (found ${header.slice(0, 6).join(',')})`,
        );
      return [key, i];
    }),
  ) as Record<keyof CsvMetricPoint, number>;
  const points = lines.slice(1).map((line, row) => {
    const cells = line.split(',');
    const value = (key: keyof CsvMetricPoint) => {
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
    };
  });
  if (points.length === 0) throw new MetricsCsvError(`${fileName} has a header but no rows`);
  return points.sort((a, b) => a.step - b.step);
}
