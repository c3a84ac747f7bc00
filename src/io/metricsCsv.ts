/**
 * The one reader of loss logs in the metrics.csv format: the lab's own (Export run's), the PyTorch
 * project's train.py's, and a `step,loss` log from a run made anywhere else. Only `step` and `loss`
 * are required; smoothed_loss, lr, grad_norm and ema_decay are read where the file has them (a
 * caller that needs one names it), and the `loss_t_<lo>_<hi>` columns give the loss per t of the
 * last row that fills them. Other columns are ignored. Rows come back sorted by step (train.py's may
 * be out of order). Every error names the file and, for a cell, its line and column.
 */

/** One step of a metrics.csv; an optional column the file lacks, or an empty cell, is null. */
export interface CsvMetricPoint {
  step: number;
  loss: number;
  smoothedLoss: number | null;
  lr: number | null;
  gradNorm: number | null;
  /** The EMA decay the step used; null with EMA off or in a file without the column. */
  emaDecay: number | null;
}

/** The loss per t bucket of the last row that fills any `loss_t_*` cell. */
export interface CsvLossPerT {
  step: number;
  /** One mean per bucket, in column order; null where the row leaves the cell empty. */
  mean: (number | null)[];
  /** T: the last bucket's last t, plus one. */
  numTrainTimesteps: number;
}

/** A metrics.csv read. */
export interface MetricsCsvFile {
  points: CsvMetricPoint[];
  lossPerT: CsvLossPerT | null;
}

/** A file that is not a readable loss log. */
export class MetricsCsvError extends Error {
  override readonly name = 'MetricsCsvError';
}

/** Larger than any metrics.csv of a real run (800k rows are about 80 MB); checked before a file is read. */
export const MAX_METRICS_CSV_BYTES = 256 * 2 ** 20;
/** Most rows read: a 2M-step log at one row per step, more than any chart needs. */
export const MAX_METRICS_CSV_ROWS = 2_000_000;

/** Columns a file may lack; a caller that draws one requires it. */
export type OptionalColumn = 'smoothed_loss' | 'lr' | 'grad_norm' | 'ema_decay';

const OPTIONAL: readonly [OptionalColumn, 'smoothedLoss' | 'lr' | 'gradNorm' | 'emaDecay'][] = [
  ['smoothed_loss', 'smoothedLoss'],
  ['lr', 'lr'],
  ['grad_norm', 'gradNorm'],
  ['ema_decay', 'emaDecay'],
];

/** A picked file as the reader needs it (a File is one). */
export interface TextFile {
  name: string;
  size: number;
  text(): Promise<string>;
}

/** Reads and parses a picked file, refusing one too large by its size before its text is allocated. */
export async function readMetricsCsv(
  file: TextFile,
  required: readonly OptionalColumn[] = [],
): Promise<MetricsCsvFile> {
  if (file.size > MAX_METRICS_CSV_BYTES)
    throw new MetricsCsvError(
      `${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MiB; a metrics.csv is at most ${MAX_METRICS_CSV_BYTES / 2 ** 20} MiB`,
    );
  return parseMetricsCsv(await file.text(), file.name, required);
}

/** Parses the text of a metrics.csv or `step,loss` log; `required` names optional columns the caller needs. */
export function parseMetricsCsv(
  text: string,
  fileName: string,
  required: readonly OptionalColumn[] = [],
): MetricsCsvFile {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new MetricsCsvError(`${fileName} is empty`);
  if (lines.length - 1 > MAX_METRICS_CSV_ROWS)
    throw new MetricsCsvError(
      `${fileName} has ${(lines.length - 1).toLocaleString('en-US')} rows; at most ${MAX_METRICS_CSV_ROWS.toLocaleString('en-US')} are read`,
    );
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const column = (name: string, needed: boolean) => {
    const i = header.indexOf(name);
    if (i < 0 && needed)
      throw new MetricsCsvError(
        `${fileName} has no "${name}" column (its header: ${header.slice(0, 8).join(',')}); ${
          name === 'step' || name === 'loss'
            ? 'a loss log needs at least the columns step and loss'
            : "the lab's metrics.csv starts with step,loss,smoothed_loss,lr,grad_norm"
        }`,
      );
    return i;
  };
  const stepCol = column('step', true);
  const lossCol = column('loss', true);
  const optional = OPTIONAL.map(([name, key]) => ({ key, i: column(name, required.includes(name)) }));
  const tCols = lossPerTColumns(header, fileName);

  const rows = lines.slice(1).map((line, r) => {
    const cells = line.split(',');
    const where = (i: number) => `${fileName} line ${r + 2}: ${header[i]}`;
    const cell = (i: number) => (i < 0 ? '' : (cells[i] ?? '').trim());
    /** A number, or null for an empty cell; NaN where the cell is not a number. */
    const read = (i: number) => (cell(i) === '' ? null : Number(cell(i)));
    /** An optional column's number, or null for a gap. */
    const value = (i: number) => {
      const n = read(i);
      if (Number.isNaN(n))
        throw new MetricsCsvError(`${where(i)} ${JSON.stringify(cell(i))} is not a number`);
      return n;
    };
    const step = read(stepCol);
    if (step === null || !(Number.isSafeInteger(step) && step >= 0))
      throw new MetricsCsvError(`${where(stepCol)} ${JSON.stringify(cell(stepCol))} is not a step number`);
    const loss = read(lossCol);
    if (loss === null || !Number.isFinite(loss))
      throw new MetricsCsvError(`${where(lossCol)} ${JSON.stringify(cell(lossCol))} is not a finite number`);
    const point: CsvMetricPoint = {
      step,
      loss,
      smoothedLoss: null,
      lr: null,
      gradNorm: null,
      emaDecay: null,
    };
    for (const { key, i } of optional) point[key] = value(i);
    const perT = tCols.some((c) => cell(c.i) !== '') ? tCols.map((c) => value(c.i)) : null;
    return { point, perT, line: r + 2 };
  });
  if (rows.length === 0) throw new MetricsCsvError(`${fileName} has a header but no rows`);

  rows.sort((a, b) => a.point.step - b.point.step);
  for (let k = 1; k < rows.length; k++)
    if (rows[k].point.step === rows[k - 1].point.step) {
      const [first, second] = [rows[k - 1].line, rows[k].line].sort((a, b) => a - b);
      throw new MetricsCsvError(
        `${fileName} line ${second}: step ${rows[k].point.step} is logged twice (also on line ${first})`,
      );
    }
  const last = rows.filter((r) => r.perT !== null).pop();
  return {
    points: rows.map((r) => r.point),
    lossPerT: last?.perT
      ? { step: last.point.step, mean: last.perT, numTrainTimesteps: tCols[tCols.length - 1].hi + 1 }
      : null,
  };
}

/**
 * The `loss_t_<lo>_<hi>` columns, which must cover t = 0, 1, … without a gap or an overlap (as
 * training/metricsCsv.ts writes them), so bucket i of the file is bucket i of the run.
 */
function lossPerTColumns(header: readonly string[], fileName: string): { i: number; hi: number }[] {
  const cols: { i: number; hi: number }[] = [];
  for (const [i, name] of header.entries()) {
    if (!name.startsWith('loss_t_')) continue;
    const m = /^loss_t_(\d+)_(\d+)$/.exec(name);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2]) : NaN;
    const expectedLo = cols.length === 0 ? 0 : cols[cols.length - 1].hi + 1;
    if (!m || lo !== expectedLo || hi < lo)
      throw new MetricsCsvError(
        `${fileName} column "${name}": loss-per-t columns are named loss_t_<first t>_<last t> and cover t = 0, 1, … in order (this one should start at t = ${expectedLo})`,
      );
    cols.push({ i, hi });
  }
  return cols;
}
