/** Comparison helpers shared by the sampling tests (kept out of *.test.ts so several can import them). */

/** max |actual − expected| / max |expected|: a relative error that tolerates values near 0. */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new RangeError(`relError: ${actual.length} values against ${expected.length}`);
  }
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
