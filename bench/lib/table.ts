/**
 * bench/RESULTS.md: one section per run, newest first, each a table of its cases. A rerun with
 * the same results file name (same day, same machine) replaces its section.
 */
import { hostCostRow, hostCostTable } from './hostCost';
import { FUSED_NOTE, UNFUSED_NOTE } from './plan';
import type { BenchRun, CaseResult } from './types';

const MARKER = '<!-- runs, newest first -->';

const HEADER = `# Benchmark results

Written by \`npm run bench\` (see [README.md](README.md)); the raw numbers are in \`results/\`.
Training: median ms per training step after warm-up, at the batch shown; *img/s* = batch ÷ step time;
*first step* includes compiling every shader; *kernels* are the ops tfjs' engine ran per step,
*dispatches* the GPU programs the backend submitted (WebGPU compute dispatches, WebGL draws);
*GFLOP/s* from the analytic matrix-product FLOPs of a step (\`src/model/flops.ts\`); *% peak* of the
GPU's fp32 peak where the GPU is known; *lab/PyTorch* = this row's ms/step ÷ PyTorch's for the same
preset and batch in the same run (> 1: the lab is slower). *Sampling*: ms per reverse step (model
call + DDPM update) at the batch shown. *Peak MB*: most memory in use during a step (WebGPU: GPU buffers; CPU/WebGL: tensor bytes; see README.md).

${MARKER}
`;

/** The id that ties a RESULTS.md section to its results file. */
export function runId(run: BenchRun): string {
  return `${run.date.slice(0, 10)}-${run.machine.name}`;
}

/** One run as a Markdown section: the timing table, then the host-cost table of any `node-null` cases. */
export function renderRun(run: BenchRun): string {
  const timedCases = run.cases.filter((c) => c.backend !== 'node-null');
  const sampleBatches = [...new Set(timedCases.flatMap((c) => c.sampling.map((s) => s.batch)))].sort(
    (a, b) => a - b,
  );
  const head = [
    'preset',
    'backend',
    'device',
    'batch',
    'ms/step',
    'img/s',
    'first step',
    'kernels',
    'dispatches',
    'GFLOP/s',
    '% peak',
    'lab/PyTorch',
    ...sampleBatches.map((b) => `sampling @${b}`),
    'peak MB',
    'notes',
  ];
  const rows = timedCases.map((c) => [
    c.preset,
    c.backend,
    c.device ?? '–',
    String(c.batch),
    ms(c.msPerStep),
    num(c.imagesPerSec),
    c.firstStepMs === null ? '–' : `${(c.firstStepMs / 1000).toFixed(1)} s`,
    int(c.kernelsPerStep),
    int(c.dispatchesPerStep),
    num(c.gflopsPerSec),
    c.peakFraction === null ? '–' : `${(c.peakFraction * 100).toPrecision(2)} %`,
    c.vsPytorch === null ? '–' : `${c.vsPytorch.toPrecision(3)}×`,
    ...sampleBatches.map((b) => ms(c.sampling.find((s) => s.batch === b)?.msPerStep ?? null)),
    c.peakTensorBytes === null ? '–' : (c.peakTensorBytes / 2 ** 20).toFixed(0),
    notes(c),
  ]);
  const m = run.machine;
  const lines = [
    `<!-- run: ${runId(run)} -->`,
    `## ${run.date.slice(0, 10)} · ${m.name}`,
    '',
    `${m.description}; load average ${m.loadAverage} at the start; ${m.os}; Node ${m.node}${m.chromium ? `; Chromium ${m.chromium}` : ''}` +
      `${m.gpu?.fp32PeakTflops ? `; fp32 peak ${m.gpu.fp32PeakTflops} TFLOP/s` : ''}.`,
    `Command \`${run.command}\`${run.commit ? ` at ${run.commit.slice(0, 10)}` : ''}, ${Math.round(run.wallSeconds)} s.`,
    '',
    ...(rows.length > 0
      ? [
          `| ${head.join(' | ')} |`,
          `|${head.map(() => ' --- ').join('|')}|`,
          ...rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`),
          '',
        ]
      : []),
    ...hostCostTable(run.cases),
    ...programLines(timedCases),
    ...profileLines(run.cases),
  ];
  return lines.join('\n');
}

/**
 * RESULTS.md with `run` inserted first (or replacing the section with its id). `existing` is the
 * current file, or null when there is none yet.
 */
export function insertRun(existing: string | null, run: BenchRun): string {
  const doc = existing && existing.includes(MARKER) ? existing : HEADER;
  const [head, body] = splitOnce(doc, MARKER);
  const sections = body
    .split(/(?=^<!-- run: )/m)
    .map((s) => s.trim())
    .filter((s) => s.startsWith('<!-- run: ') && !s.startsWith(`<!-- run: ${runId(run)} -->`));
  return `${head}${MARKER}\n\n${[renderRun(run).trim(), ...sections].join('\n\n')}\n`;
}

/** ` (fused kernels)` or ` (unfused (tfjs ops))` where a run has both kinds of WebGPU rows. */
function variantOf(c: CaseResult): string {
  const note = c.flags.find((f) => f === FUSED_NOTE || f === UNFUSED_NOTE);
  return note ? ` (${note})` : '';
}

/** The GPU programs each WebGPU case dispatched most per training step: where fusion pays. */
function profileLines(cases: CaseResult[]): string[] {
  const profiled = cases.filter((c) => c.profile && c.profile.kernels.length > 0);
  if (profiled.length === 0) return [];
  return [
    'GPU time per kernel in one profiled training step (`--profile`, WebGPU timestamp queries; ms / calls):',
    '',
    ...profiled.map((c) => {
      const p = c.profile!;
      const rows = p.kernels
        .slice(0, PROGRAMS_SHOWN)
        .map(([name, ms, n]) => `${name} ${ms.toFixed(1)}/${int(n)}`);
      return `- ${c.preset} · ${c.backend}${variantOf(c)}: step ${Math.round(p.wallMs)} ms wall, ${p.gpuMs.toFixed(1)} ms GPU; ${rows.join(', ')}`;
    }),
    '',
  ];
}

function programLines(cases: CaseResult[]): string[] {
  const withTallies = cases.filter((c) => c.topDispatches.length > 0);
  if (withTallies.length === 0) return [];
  return [
    'Most dispatched programs per training step:',
    '',
    ...withTallies.map(
      (c) =>
        `- ${c.preset} · ${c.backend}${variantOf(c)}: ${c.topDispatches
          .slice(0, PROGRAMS_SHOWN)
          .map(([name, n]) => `${name} ${int(n)}`)
          .join(', ')}`,
    ),
    '',
  ];
}

const PROGRAMS_SHOWN = 8;

function splitOnce(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  return [text.slice(0, i), text.slice(i + sep.length)];
}

function notes(c: CaseResult): string {
  const parts = [...c.flags];
  if (c.status !== 'ok') parts.unshift(c.status);
  if (c.reason) parts.push(c.reason);
  // A case that never finished a step has said why; its sampling was not reached either.
  if (c.firstStepMs !== null)
    for (const s of c.sampling)
      if (s.msPerStep === null && s.reason) parts.push(`sampling @${s.batch}: ${s.reason}`);
  return parts.join('; ') || '–';
}

function ms(v: number | null): string {
  if (v === null) return '–';
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function num(v: number | null): string {
  return v === null ? '–' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
}

function int(v: number | null): string {
  return v === null ? '–' : Math.round(v).toLocaleString('en-US');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * The `--json` rows of a run: a `node-null` case's host-cost row (issue 14's fields first), other
 * cases' step time, throughput and dispatches.
 */
export function jsonRows(run: BenchRun): Record<string, unknown>[] {
  return run.cases.map((c) =>
    c.backend === 'node-null'
      ? hostCostRow(c)
      : {
          preset: c.preset,
          backend: c.backend,
          batch: c.batch,
          msPerStep: c.msPerStep,
          imagesPerSec: c.imagesPerSec,
          dispatchesPerStep: c.dispatchesPerStep,
          device: c.device ?? null,
          status: c.status,
          ...(c.reason ? { reason: c.reason } : {}),
        },
  );
}

/** The one-line summary printed when a case ends. */
export function caseLine(c: CaseResult): string {
  if (c.hostCost) {
    const r = hostCostRow(c);
    return `${c.status}: host ms/step tfjs ${r.tfjsHostMsPerStep ?? '–'}, compiled ${r.hostMsPerStep ?? '–'}, replay ${r.replayHostMsPerStep ?? '–'}; dispatches ${r.tfjsDispatchesPerStep ?? '–'} → ${r.dispatchesPerStep ?? '–'}${c.reason ? `; ${c.reason}` : ''}`;
  }
  if (c.firstStepMs === null) return `${c.status}: ${c.reason ?? 'no step finished'}`;
  const parts = [`first step ${(c.firstStepMs / 1000).toFixed(1)} s`];
  if (c.msPerStep !== null)
    parts.push(
      `${c.stepsTimed} steps, median ${ms(c.msPerStep)} ms (${num(c.imagesPerSec)} img/s, ${num(c.gflopsPerSec)} GFLOP/s)`,
    );
  if (c.dispatchesPerStep !== null) parts.push(`${int(c.dispatchesPerStep)} dispatches/step`);
  if (c.kernelsPerStep !== null) parts.push(`${int(c.kernelsPerStep)} kernels/step`);
  for (const s of c.sampling)
    if (s.msPerStep !== null) parts.push(`sampling @${s.batch} ${ms(s.msPerStep)} ms/step`);
  if (c.reason) parts.push(c.reason);
  return `${c.status}: ${parts.join(', ')}`;
}
