/**
 * "Import a log": a CSV from a run made elsewhere, `step,loss` with optional loss-per-t columns
 * (`loss_t_FROM_TO`, as the lab's own metrics.csv writes them), read into the same shape as a run
 * of this browser so it can be overlaid and diagnosed. Errors name the line and the column.
 */

/** A loss curve and, when the log has them, the loss per t (the last row that fills them). */
export interface ImportedLog {
  points: { step: number; loss: number }[];
  lossPerT: { step: number; mean: (number | null)[]; numTrainTimesteps: number } | null;
}

/** Most rows read: a 1M-step log at one row per step is 20 MB, more than a chart needs. */
export const MAX_LOG_ROWS = 1_000_000;

/** Parses the CSV text; throws an Error naming the first problem. */
export function parseLossLog(text: string): ImportedLog {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error('the log needs a header line (step,loss,…) and at least one row');
  if (lines.length - 1 > MAX_LOG_ROWS)
    throw new Error(`the log has ${lines.length - 1} rows; at most ${MAX_LOG_ROWS} are read`);
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const stepCol = header.indexOf('step');
  const lossCol = header.indexOf('loss');
  if (stepCol < 0 || lossCol < 0)
    throw new Error(`the header must name the columns "step" and "loss"; it has ${header.join(', ')}`);
  const tCols = header
    .map((h, i) => ({ m: /^loss_t_(\d+)_(\d+)$/.exec(h), i }))
    .filter((c) => c.m !== null)
    .map((c) => ({ i: c.i, to: Number(c.m![2]) }));
  const points: ImportedLog['points'] = [];
  let lossPerT: ImportedLog['lossPerT'] = null;
  for (let n = 1; n < lines.length; n++) {
    const cells = lines[n].split(',');
    const num = (col: number, name: string) => {
      const v = Number(cells[col]);
      if (cells[col] === undefined || cells[col].trim() === '' || !Number.isFinite(v))
        throw new Error(`line ${n + 1}: ${name} ${JSON.stringify(cells[col] ?? '')} is not a number`);
      return v;
    };
    const step = num(stepCol, 'step');
    const loss = num(lossCol, 'loss');
    if (points.length > 0 && step <= points[points.length - 1].step)
      throw new Error(`line ${n + 1}: step ${step} does not follow step ${points[points.length - 1].step}`);
    points.push({ step, loss });
    if (tCols.length > 0 && tCols.some((c) => (cells[c.i] ?? '').trim() !== ''))
      lossPerT = {
        step,
        mean: tCols.map((c) => ((cells[c.i] ?? '').trim() === '' ? null : num(c.i, header[c.i]))),
        numTrainTimesteps: tCols[tCols.length - 1].to + 1,
      };
  }
  return { points, lossPerT };
}
