import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../diffusion/rng';
import { featureStats, frechetDistance } from './frechet';
import { inceptionScore } from './inceptionScore';
import { matMul, sqrtPsd, symmetricEigen } from './linalg';

interface FormulaSpec {
  n: number;
  d: number;
  a: number;
  b: number;
  shift: number;
}
interface FrechetCase {
  name: string;
  d: number;
  a?: number[];
  b?: number[];
  formula?: FormulaSpec[];
  singular?: boolean;
  mean_a?: number[];
  cov_a?: number[];
  distance: number;
}
interface ScoreCase {
  n: number;
  k: number;
  probs: number[];
  score: number;
}
const golden = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../scripts/reference/fixtures/quality_frechet.json', import.meta.url)),
    'utf8',
  ),
) as { frechet: FrechetCase[]; inception: ScoreCase[] };

/** The reference script's `formula_features`: sin(a·i + b·j² + 0.1·i·j) + shift·cos(0.5·j). */
function formulaFeatures({ n, d, a, b, shift }: FormulaSpec): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++)
      out[i * d + j] = Math.sin(a * i + b * j * j + 0.1 * i * j) + shift * Math.cos(0.5 * j);
  return out;
}

function featureSets(c: FrechetCase): [Float64Array, Float64Array] {
  if (c.formula) return [formulaFeatures(c.formula[0]), formulaFeatures(c.formula[1])];
  return [Float64Array.from(c.a ?? []), Float64Array.from(c.b ?? [])];
}

function randomSymmetric(rng: Rng, d: number, rank = d): Float64Array {
  const g = new Float64Array(d * rank);
  rng.fillNormal(g);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++)
      for (let r = 0; r < rank; r++) out[i * d + j] += g[i * rank + r] * g[j * rank + r];
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('symmetric eigendecomposition (Jacobi)', () => {
  it('reconstructs A = V diag(λ) Vᵀ with orthonormal V', () => {
    const d = 12;
    const a = randomSymmetric(new Rng(1), d);
    const { values, vectors } = symmetricEigen(a, d);
    const vt = new Float64Array(d * d);
    const scaled = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let k = 0; k < d; k++) {
        vt[k * d + i] = vectors[i * d + k];
        scaled[i * d + k] = vectors[i * d + k] * values[k];
      }
    const identity = new Float64Array(d * d);
    for (let i = 0; i < d; i++) identity[i * d + i] = 1;
    expect(maxAbsDiff(matMul(vt, vectors, d), identity)).toBeLessThan(1e-13);
    expect(maxAbsDiff(matMul(scaled, vt, d), a)).toBeLessThan(1e-12 * Math.max(...values));
  });

  it('finds the known spectrum of a diagonal matrix turned by a rotation', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    // R diag(4, 1) Rᵀ
    const a = Float64Array.from([4 * c * c + s * s, 3 * c * s, 3 * c * s, 4 * s * s + c * c]);
    const values = [...symmetricEigen(a, 2).values].sort((x, y) => x - y);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(4, 14);
  });

  it('rejects a matrix of the wrong size, naming both sizes', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow('matrix has 5 entries, expected 2×2 = 4');
  });
});

describe('PSD square root', () => {
  it('squares back to the matrix, also when it is singular', () => {
    const d = 10;
    for (const rank of [d, 3]) {
      const a = randomSymmetric(new Rng(2 + rank), d, rank);
      const root = sqrtPsd(a, d);
      expect(maxAbsDiff(matMul(root, root, d), a)).toBeLessThan(1e-11 * Math.max(...a));
    }
  });
});

describe('feature statistics', () => {
  const withStats = golden.frechet.filter((c) => c.mean_a && c.cov_a);

  it.each(withStats)('match numpy mean and cov (rowvar=False) for $name', (c) => {
    const [a] = featureSets(c);
    const stats = featureStats(a, a.length / c.d, c.d);
    expect(maxAbsDiff(stats.mean, c.mean_a as number[])).toBeLessThan(1e-12);
    expect(maxAbsDiff(stats.cov, c.cov_a as number[])).toBeLessThan(1e-12);
  });

  it('rejects too few vectors, ragged input and non-finite values, naming the problem', () => {
    expect(() => featureStats([1, 2], 1, 2)).toThrow('n = 1 feature vectors; a covariance needs at least 2');
    expect(() => featureStats([1, 2, 3], 2, 2)).toThrow(
      '3 values do not form 2 vectors of dimension 2 (expected 4)',
    );
    expect(() => featureStats([1, NaN, 3, 4], 2, 2)).toThrow('feature 1 has a non-finite value');
  });
});

describe('Fréchet distance', () => {
  it.each(golden.frechet)('matches the reference (Denman–Beavers / eigenvalue sqrtm) for $name', (c) => {
    const [a, b] = featureSets(c);
    const got = frechetDistance(featureStats(a, a.length / c.d, c.d), featureStats(b, b.length / c.d, c.d));
    // With singular covariances the roots of zero eigenvalues (rounding noise ~1e-16) add ~1e-8 each.
    const tolerance = c.singular ? 1e-7 : 1e-9;
    expect(Math.abs(got - c.distance)).toBeLessThanOrEqual(tolerance * Math.max(1, c.distance));
  });

  it('is 0 for a set against itself and symmetric in its arguments', () => {
    const c = golden.frechet[0];
    const [a, b] = featureSets(c);
    const sa = featureStats(a, a.length / c.d, c.d);
    const sb = featureStats(b, b.length / c.d, c.d);
    expect(frechetDistance(sa, sa)).toBeLessThan(1e-12);
    expect(Math.abs(frechetDistance(sa, sb) - frechetDistance(sb, sa))).toBeLessThan(1e-10);
  });

  it('reduces to the squared mean shift plus (σ₁ − σ₂)² per axis for diagonal Gaussians', () => {
    const stats = (mean: number[], variances: number[]) => ({
      n: 10,
      d: 2,
      mean: Float64Array.from(mean),
      cov: Float64Array.from([variances[0], 0, 0, variances[1]]),
    });
    const got = frechetDistance(stats([0, 1], [4, 9]), stats([3, 1], [1, 16]));
    expect(got).toBeCloseTo(9 + (2 - 1) ** 2 + (3 - 4) ** 2, 12);
  });

  it('refuses features of different dimensions', () => {
    const a = featureStats([1, 2, 3, 4], 2, 2);
    const b = featureStats([1, 2, 3, 4, 5, 6], 2, 3);
    expect(() => frechetDistance(a, b)).toThrow('feature dimensions differ (2 vs 3)');
  });
});

describe('Inception-style score', () => {
  it.each(golden.inception)('matches the reference for n=$n, k=$k', (c) => {
    expect(inceptionScore(c.probs, c.n, c.k)).toBeCloseTo(c.score, 12);
  });

  it('is 1 for identical rows and k for confident, evenly spread classes', () => {
    expect(inceptionScore([0.2, 0.3, 0.5, 0.2, 0.3, 0.5], 2, 3)).toBeCloseTo(1, 14);
    expect(inceptionScore([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3)).toBeCloseTo(3, 14);
  });

  it('rejects values that are not probability rows, naming the row', () => {
    expect(() => inceptionScore([0.5, 0.6], 1, 2)).toThrow('row 0 sums to 1.1, not 1');
    expect(() => inceptionScore([1, 0, -0.1, 1.1], 2, 2)).toThrow(
      'row 1 class 0 has probability -0.1, outside [0, 1]',
    );
    expect(() => inceptionScore([1, 0, 0], 2, 2)).toThrow(
      '3 values do not form 2 rows of 2 classes (expected 4)',
    );
  });
});
