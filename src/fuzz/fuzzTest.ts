/**
 * The two test shapes every `*.fuzz.test.ts` uses: a seeded fuzz run that must end without
 * findings, and a "declares a huge size" probe that must be refused before anything is allocated.
 * Test-only (it calls Vitest's globals).
 */
import { fuzzCount, probe, runFuzz } from './harness';
import type { ErrorClass, FuzzTarget } from './harness';

/** Memory a refused input may leave behind: the parser's small bookkeeping, not its declared size. */
export const REFUSAL_BYTES = 4 << 20;

/** Defines a test that runs {@link fuzzCount} inputs (fixed seed) and expects no findings. */
export function fuzzIt<I>(makeTarget: () => FuzzTarget<I>): void {
  const n = fuzzCount();
  it(`${n.toLocaleString('en-US')} malformed inputs: only the parser's own error, each under 1 s and within its memory limit`, async () => {
    const target = makeTarget();
    const report = await runFuzz(target, { n, seed: 1 });
    expect(report.findings).toEqual([]);
    expect(report.inputs).toBe(n);
    // The mutators must reach the parser's checks, not only its first one.
    if (target.allowed.length > 0 && n >= 1000) {
      expect(report.rejected).toBeGreaterThan(n / 2);
      expect(report.distinctErrors).toBeGreaterThan(20);
    }
  });
}

/** Expects `fn` to throw `cls` matching `message` and to leave at most {@link REFUSAL_BYTES} allocated. */
export async function expectRefusedBeforeAllocating(
  fn: () => unknown,
  cls: ErrorClass,
  message: RegExp,
): Promise<void> {
  const { error, grownBytes } = await probe(fn);
  expect(error).toBeInstanceOf(cls);
  expect((error as Error).message).toMatch(message);
  expect(grownBytes).toBeLessThan(REFUSAL_BYTES);
}
