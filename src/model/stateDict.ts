/**
 * State dicts: the model's tensors by diffusers name in PyTorch layouts, as safetensors files hold
 * them. Checking a state dict against a plan needs no tfjs, so a file can be vetted before any
 * model is built.
 */
import { hwioToOihw, oihwToHwio, transpose2d } from '../io/layout';
import type { ParamSpec } from './plan';

/** One tensor in PyTorch layout (row-major float32). */
export interface StateTensor {
  shape: number[];
  data: Float32Array;
}

/** Tensors by diffusers state-dict key. */
export type StateDict = Map<string, StateTensor>;

/** A tensor whose shape differs from what the config implies. */
export interface MisShaped {
  name: string;
  expected: number[];
  got: number[];
}

/** Everything that keeps a state dict from loading into a model of a given config. */
export interface StateDictReport {
  missing: string[];
  unexpected: string[];
  misShaped: MisShaped[];
  /** Keys given under their pre-0.14 diffusers names (`query`, `key`, `value`, `proj_attn`), renamed. */
  legacyRenamed: number;
}

/** The one error a failed load throws; its lists say every problem at once. */
export class StateDictError extends Error {
  constructor(readonly report: StateDictReport) {
    super(describeProblems(report));
    this.name = 'StateDictError';
  }
}

/**
 * Weights holding NaN or ±Infinity: a model that computes garbage (a black image with exit 0)
 * instead of a clear refusal. `counts` lists each such tensor with how many bad values it holds.
 */
export class NonFiniteWeightsError extends Error {
  constructor(readonly counts: [string, number][]) {
    const shown = counts.slice(0, 5).map(([name, n]) => `${name} (${n.toLocaleString('en-US')})`);
    super(
      `the weights hold NaN or Infinity in ${counts.length} tensor(s): ${shown.join(', ')}${counts.length > 5 ? ', …' : ''}; the file is corrupt or the training diverged`,
    );
    this.name = 'NonFiniteWeightsError';
  }
}

/** Each tensor that holds NaN or ±Infinity, with the number of such values. */
export function nonFiniteCounts(dict: StateDict): [string, number][] {
  const out: [string, number][] = [];
  for (const [name, t] of dict) {
    let bad = 0;
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) bad++;
    if (bad > 0) out.push([name, bad]);
  }
  return out;
}

const LEGACY_ATTENTION = /^(.*\.attentions\.\d+)\.(query|key|value|proj_attn)\.(weight|bias)$/;
const LEGACY_TO_CURRENT: Record<string, string> = {
  query: 'to_q',
  key: 'to_k',
  value: 'to_v',
  proj_attn: 'to_out.0',
};

/**
 * A key under its current diffusers name: the attention projections of older checkpoints
 * (google/ddpm-cifar10-32 among them) are `query, key, value, proj_attn`.
 */
export function currentKey(key: string): string {
  const m = LEGACY_ATTENTION.exec(key);
  return m ? `${m[1]}.${LEGACY_TO_CURRENT[m[2]]}.${m[3]}` : key;
}

/** Renames legacy keys; a tensor given under both its old and new name is reported as unexpected. */
export function normaliseKeys(dict: StateDict): {
  dict: StateDict;
  legacyRenamed: number;
  duplicates: string[];
} {
  const out: StateDict = new Map();
  const duplicates: string[] = [];
  let legacyRenamed = 0;
  for (const [key, tensor] of dict) {
    const name = currentKey(key);
    if (name !== key) legacyRenamed++;
    if (out.has(name)) duplicates.push(key);
    else out.set(name, tensor);
  }
  return { dict: out, legacyRenamed, duplicates };
}

/** Compares a state dict with the specs of a plan (see `paramSpecs`) without building anything. */
export function checkStateDict(specs: ParamSpec[], dict: StateDict): StateDictReport {
  const { dict: named, legacyRenamed, duplicates } = normaliseKeys(dict);
  const expected = new Map(specs.map((s) => [s.name, s]));
  const missing = specs.filter((s) => !named.has(s.name)).map((s) => s.name);
  const unexpected = [...[...named.keys()].filter((k) => !expected.has(k)), ...duplicates];
  const misShaped: MisShaped[] = [];
  for (const [name, t] of named) {
    const spec = expected.get(name);
    if (!spec) continue;
    const sizeOk = t.data.length === t.shape.reduce((a, b) => a * b, 1);
    if (!sameShape(spec.shape, t.shape) || !sizeOk)
      misShaped.push({ name, expected: spec.shape, got: t.shape });
  }
  return { missing, unexpected, misShaped, legacyRenamed };
}

/** True when the report lists no problem. */
export function isClean(report: StateDictReport): boolean {
  return report.missing.length + report.unexpected.length + report.misShaped.length === 0;
}

/** PyTorch layout → tfjs layout (conv OIHW → HWIO, linear [out,in] → [in,out]); always a fresh array. */
export function toTfjsLayout(spec: ParamSpec, t: StateTensor): { shape: number[]; data: Float32Array } {
  if (spec.layout === 'conv') return oihwToHwio(t.data, t.shape);
  if (spec.layout === 'linear') return transpose2d(t.data, t.shape);
  return { shape: [...t.shape], data: Float32Array.from(t.data) };
}

/** tfjs layout → PyTorch layout; always a fresh array (a backend may hand out its own buffer). */
export function toTorchLayout(spec: ParamSpec, data: Float32Array, tfShape: number[]): StateTensor {
  if (spec.layout === 'conv') return hwioToOihw(data, tfShape);
  if (spec.layout === 'linear') return transpose2d(data, tfShape);
  return { shape: [...tfShape], data: Float32Array.from(data) };
}

function describeProblems(r: StateDictReport): string {
  const parts: string[] = [];
  const list = (names: string[]) => names.join(', ');
  if (r.missing.length) parts.push(`${r.missing.length} missing: ${list(r.missing)}`);
  if (r.unexpected.length) parts.push(`${r.unexpected.length} unexpected: ${list(r.unexpected)}`);
  if (r.misShaped.length)
    parts.push(
      `${r.misShaped.length} mis-shaped: ${list(r.misShaped.map((m) => `${m.name} [${m.got.join(', ')}] (expected [${m.expected.join(', ')}])`))}`,
    );
  return `state dict does not match the config: ${parts.join('; ')}`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
