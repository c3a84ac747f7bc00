/**
 * The "Export run" zip: the config, the metrics as CSV (for a spreadsheet or pandas), the
 * scheduler config, and a checkpoint with the weights, their EMA and the optimiser state (what a
 * resumption needs; the checkpoint also carries the metrics' own state).
 */
import { toSchedulerConfigJson, type SchedulerConfig } from '../diffusion';
import type { RunConfig } from '../config/runConfig';
import { writeZip } from '../io/zip';
import type { LossPerT, MetricPoint } from '../training/types';

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
    [
      ...POINT_COLUMNS.map(([, key]) => String(p[key] ?? '')),
      ...(i === points.length - 1 ? means : empty),
    ].join(','),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

/** What goes into a run zip. */
export interface RunExportParts {
  config: RunConfig;
  scheduler: SchedulerConfig;
  points: readonly MetricPoint[];
  lossPerT: LossPerT;
  /** An encoded checkpoint of the run as it is now. */
  checkpoint: Uint8Array;
}

/** run.json, scheduler_config.json, metrics.csv and checkpoint.safetensors, zipped. */
export function runZip(parts: RunExportParts): Uint8Array {
  const text = (s: string) => new TextEncoder().encode(s);
  const json = (value: unknown) => text(`${JSON.stringify(value, null, 2)}\n`);
  return writeZip(
    new Map([
      ['run.json', json(parts.config)],
      ['scheduler_config.json', json(toSchedulerConfigJson('ddpm', parts.scheduler, {}))],
      ['metrics.csv', text(metricsCsv(parts.points, parts.lossPerT))],
      ['checkpoint.safetensors', parts.checkpoint],
    ]),
  );
}
