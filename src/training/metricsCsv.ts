/**
 * The lab's metrics.csv: one row per recorded step (step, loss, smoothed_loss, lr, grad_norm,
 * ema_decay) and
 * a `loss_t_<lo>_<hi>` column per loss-per-t bucket. Export run writes it, the PyTorch project's
 * train.py writes the same columns, and the Train tab reads either back (see io/metricsCsv.ts).
 */
import type { LossPerT, MetricPoint } from './types';

/** The per-step columns, in the order written; each a MetricPoint key. */
const POINT_COLUMNS: readonly [string, keyof MetricPoint][] = [
  ['step', 'step'],
  ['loss', 'loss'],
  ['smoothed_loss', 'smoothedLoss'],
  ['lr', 'lr'],
  ['grad_norm', 'gradNorm'],
  ['ema_decay', 'emaDecay'],
];

/**
 * `loss_t_<lo>_<hi>` for each loss-per-t bucket, lo and hi the first and last integer t it holds
 * (bucket i holds the t with ⌊t·buckets/T⌋ = i).
 */
export function lossPerTColumns(numTrainTimesteps: number, buckets: number): string[] {
  const first = (i: number) => Math.ceil((i * numTrainTimesteps) / buckets);
  return Array.from({ length: buckets }, (_, i) => `loss_t_${first(i)}_${first(i + 1) - 1}`);
}

/**
 * One row per recorded step (the history thins past 10,000 steps). `ema_decay` is empty with EMA
 * off (and for steps of checkpoints saved before the decay was recorded). The run keeps loss per t
 * only as rolling windows, not per step, so the `loss_t_*` columns are filled on the last row:
 * the means at export time; empty cells elsewhere, and where a bucket has seen no example.
 */
export function metricsCsv(points: readonly MetricPoint[], lossPerT: LossPerT): string {
  const header = [
    ...POINT_COLUMNS.map(([name]) => name),
    ...lossPerTColumns(lossPerT.numTrainTimesteps, lossPerT.mean.length),
  ];
  const empty = lossPerT.mean.map(() => '');
  const means = lossPerT.mean.map((m) => (m === null ? '' : String(m)));
  const rows = points.map((p, i) =>
    [...POINT_COLUMNS.map(([, key]) => String(p[key] ?? '')), ...(i === points.length - 1 ? means : empty)].join(
      ',',
    ),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}
