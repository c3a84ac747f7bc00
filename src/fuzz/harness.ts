/**
 * The fuzz harness every `*.fuzz.test.ts` and `scripts/fuzz.ts` share. A target names a parser,
 * how to generate one malformed input from a seeded generator, and the one error class the parser
 * may throw. Input `i` of a run depends only on `(seed, i)`, so any finding is reproduced from
 * its index alone. Each input is checked three ways:
 *
 * - it resolves or throws an allowed error (anything else — a `TypeError`, a `RangeError` from an
 *   oversized allocation, a stack overflow — is a finding);
 * - it takes at most `slowMs` (1 s by default) of CPU time: CPU rather than wall time, so that a
 *   busy machine (tests in parallel, other jobs) does not turn into false findings;
 * - the ArrayBuffer memory (V8's external memory) and the JS heap grow by at most the target's
 *   stated limit for that input, measured right after the call, before a GC can hide an allocation
 *   (a transient one still counts: buffers are freed only by a later GC).
 */
import { getHeapStatistics } from 'node:v8';
import { Rng } from '../diffusion/rng';
import { havoc, randomInput } from './mutators';
import type { ByteSeed } from './mutators';

/** An error class a parser is allowed to throw. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** A parser under test. `I` is what it parses (bytes, text, a parsed object, a file map). */
export interface FuzzTarget<I> {
  name: string;
  /** One input, a pure function of `rng`. */
  generate(rng: Rng): I;
  /** Calls the parser; its result is ignored, only how it ends matters. */
  run(input: I): unknown;
  /** The parser's own errors; empty for a function that must never throw. */
  allowed: readonly ErrorClass[];
  /** The most memory (bytes) the parser may allocate for this input: its stated limit. */
  maxAllocBytes(input: I): number;
  /** A short description of an input for a finding's report. */
  describe(input: I): string;
}

/** One input that broke a rule. */
export interface FuzzFinding {
  index: number;
  kind: 'unexpected-error' | 'slow' | 'allocation';
  detail: string;
  input: string;
}

/** What a run did, per outcome. */
export interface FuzzReport {
  target: string;
  inputs: number;
  /** The parser returned (a valid input, or one it repaired). */
  accepted: number;
  /** The parser threw one of its own errors. */
  rejected: number;
  findings: FuzzFinding[];
  /** Most CPU milliseconds one input took. */
  maxMs: number;
  /** Largest memory growth seen for one input, bytes. */
  maxAllocBytes: number;
  /** Distinct messages of the allowed errors (a rough measure of how many checks were reached). */
  distinctErrors: number;
  elapsedMs: number;
}

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  /** Inputs to try (default {@link fuzzCount}). */
  n?: number;
  /** Run seed; input i uses `(seed, i)`. */
  seed?: number;
  /** Stops early after this many milliseconds (the script's time budget). */
  budgetMs?: number;
  /** An input slower than this is a finding. */
  slowMs?: number;
  /** Index of the first input (to resume or to reproduce one finding). */
  start?: number;
  /** Called after every input, for progress and hang detection. */
  onInput?: (index: number) => void;
}

/** Inputs per parser in the unit tests: 10,000, or the `FUZZ_N` environment variable. */
export function fuzzCount(): number {
  const raw = process.env.FUZZ_N;
  if (raw === undefined || raw === '') return 10_000;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`FUZZ_N = ${JSON.stringify(raw)} is not allowed; use a positive integer`);
  return n;
}

/** The generator of input `index` of run `seed`. */
export function inputRng(seed: number, index: number): Rng {
  return new Rng(seed * 2 ** 32 + index);
}

/** Memory growth allowed on top of a target's limit: heap noise of one call (strings, closures). */
const SLACK_BYTES = 8 << 20;
const MAX_FINDINGS = 20;

function memory(): number {
  const h = getHeapStatistics();
  return h.external_memory + h.used_heap_size;
}

/** Runs `n` generated inputs through a target and reports what happened. */
export async function runFuzz<I>(target: FuzzTarget<I>, opts: FuzzOptions = {}): Promise<FuzzReport> {
  const n = opts.n ?? fuzzCount();
  const seed = opts.seed ?? 1;
  const slowMs = opts.slowMs ?? 1000;
  const start = opts.start ?? 0;
  const report: FuzzReport = {
    target: target.name,
    inputs: 0,
    accepted: 0,
    rejected: 0,
    findings: [],
    maxMs: 0,
    maxAllocBytes: 0,
    distinctErrors: 0,
    elapsedMs: 0,
  };
  const messages = new Set<string>();
  const began = performance.now();
  for (let index = start; index < start + n; index++) {
    if (opts.budgetMs !== undefined && performance.now() - began > opts.budgetMs) break;
    const input = target.generate(inputRng(seed, index));
    const finding = (kind: FuzzFinding['kind'], detail: string) => {
      if (report.findings.length < MAX_FINDINGS)
        report.findings.push({ index, kind, detail, input: target.describe(input) });
    };
    const memBefore = memory();
    const cpu0 = process.cpuUsage();
    try {
      await target.run(input);
      report.accepted++;
    } catch (e) {
      if (target.allowed.some((cls) => e instanceof cls)) {
        report.rejected++;
        messages.add(shape((e as Error).message));
      } else finding('unexpected-error', describeError(e));
    }
    const cpu = process.cpuUsage(cpu0);
    const ms = (cpu.user + cpu.system) / 1000;
    const grown = memory() - memBefore;
    report.inputs++;
    report.maxMs = Math.max(report.maxMs, ms);
    report.maxAllocBytes = Math.max(report.maxAllocBytes, grown);
    if (ms > slowMs) finding('slow', `took ${ms.toFixed(0)} ms (limit ${slowMs} ms)`);
    const limit = target.maxAllocBytes(input) + SLACK_BYTES;
    if (grown > limit) finding('allocation', `memory grew by ${grown} bytes, over the stated ${limit}`);
    opts.onInput?.(index);
  }
  report.distinctErrors = messages.size;
  report.elapsedMs = performance.now() - began;
  return report;
}

/** How one call ended and how much memory it left allocated (see the module comment). */
export async function probe(fn: () => unknown): Promise<{ error: unknown; grownBytes: number }> {
  const before = memory();
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  return { error, grownBytes: memory() - before };
}

/** A message with its numbers and quoted parts blanked, so messages of one check compare equal. */
function shape(message: string): string {
  return message
    .replace(/"[^"]*"/g, '""')
    .replace(/\d+/g, '#')
    .slice(0, 120);
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  const where =
    e.stack
      ?.split('\n')
      .find((l) => l.includes('/src/'))
      ?.trim() ?? '';
  return `${e.name}: ${e.message.slice(0, 300)} ${where}`;
}

/** A JSON value for a finding's description, cut short; one that cannot be serialised says so. */
export function describeValue(v: unknown): string {
  try {
    return (JSON.stringify(v) ?? String(v)).slice(0, 400);
  } catch {
    return `${typeof v} (not serialisable)`;
  }
}

/** A hex preview of bytes for reports. */
export function describeBytes(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 48), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${bytes.length} bytes: ${head}${bytes.length > 48 ? '…' : ''}`;
}

/** How byte inputs are made from seeds: mutation mix and optional format repairs. */
export interface ByteGeneratorOptions {
  /** Format-aware mutations (e.g. edit a header's JSON and re-encode its length). */
  structured?: (rng: Rng, seed: ByteSeed) => Uint8Array;
  /**
   * Recomputes checksums (CRCs, tar header sums) so that half the mutated inputs get past them
   * and into the parsing behind; the other half keep the broken checksum.
   */
  fixup?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * The standard byte-input mix: 10 % random bytes, 20 % structured mutations (when the target has
 * them), the rest havoc on a seed; then the fixup on half of them.
 */
export function byteGenerator(
  seeds: readonly ByteSeed[],
  opts: ByteGeneratorOptions = {},
): (rng: Rng) => Uint8Array {
  if (seeds.length === 0) throw new RangeError('byteGenerator needs at least one seed');
  const maxLength = 2 * Math.max(...seeds.map((s) => s.bytes.length));
  return (rng) => {
    const roll = rng.int(10);
    if (roll === 0) return randomInput(rng, maxLength);
    const seed = seeds[rng.int(seeds.length)];
    const out = opts.structured && roll <= 2 ? opts.structured(rng, seed) : havoc(rng, seed, seeds);
    return opts.fixup && rng.int(2) === 0 ? opts.fixup(out) : out;
  };
}
