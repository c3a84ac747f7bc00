/**
 * `node-null` cases (issue 14's host cost): per-path results from the `host` events of a case's
 * two processes (tfjs path; compiled step and its replay), the `--json` row and the RESULTS.md
 * table. Host = main-thread CPU time; replay = the compiled step's dispatch list submitted alone
 * with its prebuilt pipelines and bind groups, the floor a step's host cost is held against.
 */
import { median } from './median';
import type { BenchEvent, CaseResult, HostCostResult, HostPathResult, HostStep } from './types';

/** Median CPU time, mean counts, of one path's timed steps at `batch`; null when none were timed. */
export function hostPathResult(steps: readonly HostStep[], batch: number): HostPathResult | null {
  if (steps.length === 0) return null;
  const mean = (f: (s: HostStep) => number) => steps.reduce((a, s) => a + f(s), 0) / steps.length;
  return {
    batch,
    steps: steps.length,
    hostMsPerStep: median(steps.map((s) => s.cpuMs)),
    dispatchesPerStep: mean((s) => s.dispatches),
    randomValuesPerStep: mean((s) => s.randomValues),
    uploadBytesPerStep: mean((s) => s.uploadBytes),
  };
}

/** A case's host cost from its events; undefined when it has no `host` event at all. */
export function aggregateHostCost(events: readonly BenchEvent[]): HostCostResult | undefined {
  const host = events.filter((e) => e.type === 'host');
  if (host.length === 0) return undefined;
  const path = (p: 'tfjs' | 'compiled' | 'replay') => {
    const e = host.find((h) => h.path === p);
    return e ? hostPathResult(e.steps, e.batch) : null;
  };
  const buffers = host.find((e) => e.buffers)?.buffers;
  return {
    tfjs: path('tfjs'),
    compiled: path('compiled'),
    replay: path('replay'),
    activationBytes: buffers?.activationBytes ?? null,
    unsharedActivationBytes: buffers?.unsharedActivationBytes ?? null,
    kernels: host.find((e) => e.kernels)?.kernels ?? null,
  };
}

/**
 * The batch to try the tfjs path at again after an attempt at `batch` ran out of Dawn's Null
 * device memory before its first timed step (half, down to 1); null to stop. The host cost of a
 * step is per dispatch, and a smaller batch has the same dispatches, so the row stays a fair
 * "before", flagged with its batch.
 */
export function smallerBatchAfterOom(events: readonly BenchEvent[], batch: number): number | null {
  if (batch <= 1 || events.some((e) => e.type === 'host')) return null;
  const oom = events.some((e) => e.type === 'error' && /out of memory/i.test(e.message));
  return oom ? Math.floor(batch / 2) : null;
}

/** The flag of a case whose tfjs path ran at a smaller batch than its own. */
export function hostBatchFlags(h: HostCostResult | undefined, batch: number): string[] {
  const b = h?.tfjs?.batch;
  return b !== undefined && b !== batch
    ? [`tfjs path at batch ${b}: at ${batch} it ran out of Dawn's Null device memory (512 MiB)`]
    : [];
}

/** Whether every path of a host-cost case was measured. */
export function hostCostComplete(h: HostCostResult | undefined): boolean {
  return h !== undefined && h.tfjs !== null && h.compiled !== null && h.replay !== null;
}

/** Milliseconds rounded to 0.001, counts to whole numbers: what the JSON rows carry. */
const msOf = (p: HostPathResult | null | undefined) => (p ? Math.round(p.hostMsPerStep * 1000) / 1000 : null);
const countOf = (v: number | undefined) => (v === undefined ? null : Math.round(v));

/**
 * The `--json` row of a `node-null` case: issue 14's fields (the compiled step's numbers), then the
 * tfjs path's (before) and the ratios; null for a path that did not run, with `reason` saying why.
 */
export function hostCostRow(c: CaseResult): Record<string, unknown> {
  const h = c.hostCost;
  const ratio = (a: number | null, b: number | null) =>
    a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100;
  const compiledMs = msOf(h?.compiled);
  const replayMs = msOf(h?.replay);
  const tfjsMs = msOf(h?.tfjs);
  return {
    preset: c.preset,
    batch: c.batch,
    dispatchesPerStep: countOf(h?.compiled?.dispatchesPerStep),
    hostMsPerStep: compiledMs,
    replayHostMsPerStep: replayMs,
    hostRandomValuesPerStep: countOf(h?.compiled?.randomValuesPerStep),
    uploadBytesPerStep: countOf(h?.compiled?.uploadBytesPerStep),
    hostOverReplay: ratio(compiledMs, replayMs),
    tfjsBatch: h?.tfjs?.batch ?? null,
    tfjsDispatchesPerStep: countOf(h?.tfjs?.dispatchesPerStep),
    tfjsHostMsPerStep: tfjsMs,
    tfjsHostRandomValuesPerStep: countOf(h?.tfjs?.randomValuesPerStep),
    tfjsUploadBytesPerStep: countOf(h?.tfjs?.uploadBytesPerStep),
    tfjsOverCompiled: ratio(tfjsMs, compiledMs),
    replayDispatchesPerStep: countOf(h?.replay?.dispatchesPerStep),
    activationBytes: h?.activationBytes ?? null,
    unsharedActivationBytes: h?.unsharedActivationBytes ?? null,
    kernels: h?.kernels ?? null,
    steps: h?.compiled?.steps ?? 0,
    backend: c.backend,
    device: c.device ?? null,
    status: c.status,
    ...(c.flags.length > 0 ? { flags: c.flags } : {}),
    ...(c.reason ? { reason: c.reason } : {}),
  };
}

/** The RESULTS.md table of a run's `node-null` cases (none: no lines). */
export function hostCostTable(cases: readonly CaseResult[]): string[] {
  const rows = cases.filter((c) => c.backend === 'node-null').map(hostCostRow);
  if (rows.length === 0) return [];
  const head = [
    'preset',
    'batch',
    'tfjs dispatches',
    'tfjs host ms/step',
    'tfjs random values',
    'tfjs upload bytes',
    'compiled dispatches',
    'compiled host ms/step',
    'replay host ms/step',
    'host ÷ replay',
    'random values',
    'upload bytes',
    'activations MB shared / unshared',
    'notes',
  ];
  const cell = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'number' ? fmt(v) : String(v));
  const mb = (v: unknown) => (typeof v === 'number' ? (v / 2 ** 20).toFixed(1) : '–');
  return [
    'Host cost per training step on Dawn\'s Null backend (`node-null`: main-thread CPU ms, median of the timed steps; counts per step):',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => ' --- ').join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${[
          r.preset,
          r.batch,
          r.tfjsDispatchesPerStep,
          msCell(r.tfjsHostMsPerStep),
          r.tfjsHostRandomValuesPerStep,
          r.tfjsUploadBytesPerStep,
          r.dispatchesPerStep,
          msCell(r.hostMsPerStep),
          msCell(r.replayHostMsPerStep),
          r.hostOverReplay === null ? null : `${(r.hostOverReplay as number).toFixed(2)}×`,
          r.hostRandomValuesPerStep,
          r.uploadBytesPerStep,
        ]
          .map(cell)
          .concat(`${mb(r.activationBytes)} / ${mb(r.unsharedActivationBytes)}`, notes(r))
          .map((t) => t.replace(/\|/g, '\\|'))
          .join(' | ')} |`,
    ),
    '',
  ];
}

function notes(r: Record<string, unknown>): string {
  const parts = r.status === 'ok' ? [] : [String(r.status)];
  if (Array.isArray(r.flags)) parts.push(...r.flags.map(String));
  if (r.reason) parts.push(String(r.reason));
  return parts.join('; ') || '–';
}

/** Counts as whole numbers with separators. */
function fmt(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** Milliseconds to three significant places (at least whole milliseconds). */
function msCell(v: unknown): string | null {
  if (typeof v !== 'number') return null;
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
