/**
 * The "Export run" zip: the config, the metrics as CSV (for a spreadsheet or pandas), the
 * scheduler config, and a checkpoint with the weights, their EMA and the optimiser state (what a
 * resumption needs; the checkpoint also carries the metrics' own state).
 */
import { toSchedulerConfigJson, type SchedulerConfig } from '../diffusion';
import type { RunConfig } from '../config/runConfig';
import { writeZip } from '../io/zip';
import { metricsCsv } from '../training/metricsCsv';
import type { LossPerT, MetricPoint } from '../training/types';

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
