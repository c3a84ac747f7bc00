/**
 * Reference curves: what a healthy run of a config looks like, from the independent PyTorch
 * reference trainer (scripts/reference/reference_trainer.py, files in public/reference/). This
 * module parses a file, finds the one that fits a run's config, turns it into a band (the spread
 * over seeds) and says in one sentence where a run stands against it.
 */
import {
  RUN_PRESET_NAMES,
  parseRunConfig,
  presetRunConfig,
  type RunConfig,
  type RunPresetName,
} from '../config';

/** One reference run (one seed): the loss of every step and the loss per t at a few steps. */
export interface ReferenceRun {
  seed: number;
  loss: number[];
  lossPerT: { step: number; mean: (number | null)[] }[];
}

/** A parsed public/reference/<preset>.json. */
export interface ReferenceCurve {
  preset: RunPresetName;
  config: RunConfig;
  steps: number;
  seeds: number[];
  runs: ReferenceRun[];
  provenance: {
    command: string;
    machine: string;
    date: string;
    seeds: number[];
    steps: number;
    /** The steps asked for, where the run was stopped before (the file holds what it reached). */
    plannedSteps?: number;
    note?: string;
  };
}

/** A point of the band: the spread over seeds of the loss averaged over a window of steps ending at `step`. */
export interface BandPoint {
  step: number;
  lo: number;
  mid: number;
  hi: number;
}

/** "600 steps", or "100 of the planned 2,000 steps" for a reference stopped early. */
export function referenceLength(ref: ReferenceCurve): string {
  const { steps, plannedSteps } = ref.provenance;
  const n = (v: number) => v.toLocaleString('en-US');
  return plannedSteps !== undefined && plannedSteps > steps
    ? `${n(steps)} of the planned ${n(plannedSteps)} steps`
    : `${n(steps)} steps`;
}

/** Reads a reference file; throws naming what is wrong. */
export function parseReferenceCurve(json: unknown): ReferenceCurve {
  const o = json as Partial<ReferenceCurve> & { format?: unknown };
  const fail = (what: string): never => {
    throw new Error(`not a Diffusion Lab reference curve: ${what}`);
  };
  if (typeof o !== 'object' || o === null || o.format !== 'diffusion-lab-reference')
    fail('format is not "diffusion-lab-reference"');
  if (!RUN_PRESET_NAMES.includes(o.preset as RunPresetName))
    fail(`preset ${JSON.stringify(o.preset)} is not a run preset`);
  if (!Array.isArray(o.runs) || o.runs.length === 0) fail('it has no runs');
  const steps = o.steps;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1)
    fail('steps is not a positive integer');
  for (const r of o.runs!)
    if (
      !Array.isArray(r.loss) ||
      r.loss.length < steps! ||
      r.loss.some((v) => typeof v !== 'number' || !Number.isFinite(v))
    )
      fail(`seed ${r.seed}'s loss is not ${steps} finite numbers`);
  let config: RunConfig;
  try {
    // Completed with the defaults: a file made before a switch existed trained with it off.
    config = parseRunConfig(o.config);
  } catch (e) {
    return fail(`its config: ${(e as Error).message}`);
  }
  return { ...(o as ReferenceCurve), config };
}

/**
 * Paths whose difference makes a reference a different problem (other data, model, schedule,
 * inputs or optimiser): a run differing in one has no reference. Others (batch size, lr, steps,
 * logging) leave the reference usable with a caveat that names them.
 */
const STRUCTURAL =
  /^(data\.|model\.|diffusion\.|training\.(normalization|sharedT|doubleOptimizerStep|flip)$)/;
/** Settings that change nothing about the training curve. */
const IRRELEVANT =
  /^(sampling\.|training\.(targetSteps|seed|logEveryMs|preview\w*|checkpointEverySec|useEma|emaDecay)$)/;

/** Dotted paths where two configs differ (lists compared whole), in config order. */
export function configDifferences(a: RunConfig, b: RunConfig): string[] {
  const out: string[] = [];
  for (const section of Object.keys(a) as (keyof RunConfig)[]) {
    const sa = a[section] as unknown as Record<string, unknown>;
    const sb = b[section] as unknown as Record<string, unknown>;
    for (const key of new Set([...Object.keys(sa), ...Object.keys(sb)]))
      if (JSON.stringify(sa[key]) !== JSON.stringify(sb[key])) out.push(`${section}.${key}`);
  }
  return out;
}

/** Which preset's reference fits a config, and the training settings in which the run differs from it. */
export interface ReferenceMatch {
  preset: RunPresetName;
  /** Differences that leave the reference usable, each "path: reference → run". */
  caveats: string[];
}

/** The run preset whose reference applies to `config`, or null when every preset differs structurally. */
export function matchReference(config: RunConfig): ReferenceMatch | null {
  let best: ReferenceMatch | null = null;
  for (const preset of RUN_PRESET_NAMES) {
    const ref = presetRunConfig(preset);
    const diffs = configDifferences(ref, config).filter((p) => !IRRELEVANT.test(p));
    if (diffs.some((p) => STRUCTURAL.test(p))) continue;
    const caveats = diffs.map((p) => `${p}: ${valueAt(ref, p)} → ${valueAt(config, p)}`);
    if (best === null || caveats.length < best.caveats.length) best = { preset, caveats };
  }
  return best;
}

function valueAt(config: RunConfig, path: string): string {
  const [section, key] = path.split('.') as [keyof RunConfig, string];
  return JSON.stringify((config[section] as unknown as Record<string, unknown>)[key]);
}

/** The window (in steps) the band averages over: about `points` windows over the run. */
export function bandWindow(steps: number, points: number): number {
  return Math.max(1, Math.ceil(steps / points));
}

/** The band over seeds: per window of steps, each seed's mean loss; lo/hi the extremes, mid their mean. */
export function referenceBand(ref: ReferenceCurve, points = 200): BandPoint[] {
  const w = bandWindow(ref.steps, points);
  const out: BandPoint[] = [];
  for (let end = w; end <= ref.steps; end += w) {
    const means = ref.runs.map((r) => mean(r.loss.slice(end - w, end)));
    out.push({ step: end, lo: Math.min(...means), mid: mean(means), hi: Math.max(...means) });
  }
  return out;
}

/** The reference's loss per t at the snapshot nearest `step`: per bucket the spread over seeds. */
export function referenceLossPerT(
  ref: ReferenceCurve,
  step: number,
): { step: number; buckets: BandPoint[] } | null {
  const steps = ref.runs[0].lossPerT.map((s) => s.step);
  if (steps.length === 0) return null;
  const at = steps.reduce((a, b) => (Math.abs(b - step) < Math.abs(a - step) ? b : a));
  const snaps = ref.runs.map((r) => r.lossPerT.find((s) => s.step === at)).filter((s) => s !== undefined);
  const buckets = snaps[0].mean.map((_, i) => {
    const vs = snaps.map((s) => s.mean[i]).filter((v): v is number => v !== null);
    return vs.length === 0
      ? { step: i, lo: NaN, mid: NaN, hi: NaN }
      : { step: i, lo: Math.min(...vs), mid: mean(vs), hi: Math.max(...vs) };
  });
  return { step: at, buckets };
}

/** A run's loss against the reference at the run's last step within the reference. */
export interface ReferenceComparison {
  step: number;
  /** Run mean / reference mid − 1 over the same window of steps. */
  relative: number;
  /** The run's window mean lies inside the seeds' spread. */
  inBand: boolean;
  sentence: string;
}

/**
 * "at step 1,800 your loss is 12 % above the reference for this config": the run's mean loss over
 * the band's window ending at its last step (capped at the reference's length) against the
 * reference there. Null when the run has no step inside the reference yet.
 */
export function compareToReference(
  ref: ReferenceCurve,
  run: readonly { step: number; loss: number }[],
  points = 200,
): ReferenceComparison | null {
  const w = bandWindow(ref.steps, points);
  const inside = run.filter((p) => p.step <= ref.steps);
  const last = inside.length === 0 ? 0 : inside[inside.length - 1].step;
  if (last < 1) return null;
  const from = Math.max(1, last - w + 1);
  const runWindow = inside.filter((p) => p.step >= from).map((p) => p.loss);
  if (runWindow.length === 0) return null;
  const refMeans = ref.runs.map((r) => mean(r.loss.slice(from - 1, last)));
  const refMid = mean(refMeans);
  const runMean = mean(runWindow);
  const relative = runMean / refMid - 1;
  const inBand = runMean >= Math.min(...refMeans) && runMean <= Math.max(...refMeans);
  const pct = Math.round(Math.abs(relative) * 100);
  const where = pct === 0 ? 'level with' : `${pct} % ${relative > 0 ? 'above' : 'below'}`;
  const band =
    ref.runs.length > 1 ? (inBand ? ', inside the seeds’ spread' : ', outside the seeds’ spread') : '';
  return {
    step: last,
    relative,
    inBand,
    sentence: `at step ${last.toLocaleString('en-US')} your loss is ${where} the reference for this config${band}`,
  };
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * The band at each of a run's steps (for a chart whose series share the run's x values): the
 * band point whose window holds the step, or null past the reference's end.
 */
export function bandAt(
  band: readonly BandPoint[],
  steps: readonly number[],
): { lo: (number | null)[]; hi: (number | null)[] } {
  const lo: (number | null)[] = [];
  const hi: (number | null)[] = [];
  let k = 0;
  for (const s of steps) {
    while (k < band.length && band[k].step < s) k++;
    lo.push(k < band.length ? band[k].lo : null);
    hi.push(k < band.length ? band[k].hi : null);
  }
  return { lo, hi };
}
