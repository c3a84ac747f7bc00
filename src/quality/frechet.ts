/**
 * The Fréchet distance between two Gaussians fitted to feature vectors (Heusel et al. 2017, the
 * "FID" formula), in float64 on the CPU:
 *
 *   d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^{1/2})
 *
 * Σ₁Σ₂ is not symmetric, so its square root is taken the stable way: Σ₁Σ₂ is similar to the
 * symmetric PSD matrix M = Σ₁^{1/2} Σ₂ Σ₁^{1/2} (conjugate by Σ₁^{1/2}), so both have the same
 * eigenvalues and Tr((Σ₁Σ₂)^{1/2}) = Tr(M^{1/2}) = Σ √λᵢ(M). Two symmetric Jacobi
 * eigendecompositions replace scipy's general `sqrtm`, with no complex parts to discard and no
 * ε added to the diagonal when a covariance is singular (fewer samples than dimensions).
 */
import { matMul, sqrtPsd, symmetricEigen } from './linalg';

/** Mean and covariance of n feature vectors of dimension d. */
export interface FeatureStats {
  n: number;
  d: number;
  mean: Float64Array;
  /** d×d row-major, unbiased (divides by n − 1), as numpy.cov and the reference FID code. */
  cov: Float64Array;
}

/** Mean and unbiased covariance of `features`, n row-major vectors of length d (n ≥ 2). */
export function featureStats(features: ArrayLike<number>, n: number, d: number): FeatureStats {
  if (!Number.isInteger(n) || n < 2)
    throw new RangeError(`featureStats: n = ${n} feature vectors; a covariance needs at least 2`);
  if (!Number.isInteger(d) || d < 1)
    throw new RangeError(`featureStats: dimension d = ${d} must be a positive integer`);
  if (features.length !== n * d)
    throw new RangeError(
      `featureStats: ${features.length} values do not form ${n} vectors of dimension ${d} (expected ${n * d})`,
    );
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += features[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let j = 0; j < d; j++)
    if (!Number.isFinite(mean[j])) throw new RangeError(`featureStats: feature ${j} has a non-finite value`);
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = features[i * d + j] - mean[j];
    for (let j = 0; j < d; j++) {
      const cj = centred[j];
      if (cj === 0) continue;
      for (let k = j; k < d; k++) cov[j * d + k] += cj * centred[k];
    }
  }
  for (let j = 0; j < d; j++)
    for (let k = j; k < d; k++) {
      const v = cov[j * d + k] / (n - 1);
      cov[j * d + k] = v;
      cov[k * d + j] = v;
    }
  return { n, d, mean, cov };
}

/** The squared Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂); ≥ 0 up to rounding (clamped at 0). */
export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  if (a.d !== b.d) throw new RangeError(`frechetDistance: feature dimensions differ (${a.d} vs ${b.d})`);
  const d = a.d;
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mean[j] - b.mean[j]) ** 2;
  let traces = 0;
  for (let j = 0; j < d; j++) traces += a.cov[j * d + j] + b.cov[j * d + j];
  const rootA = sqrtPsd(a.cov, d);
  const m = matMul(matMul(rootA, b.cov, d), rootA, d);
  const { values } = symmetricEigen(m, d);
  let traceRoot = 0;
  for (const lambda of values) traceRoot += Math.sqrt(Math.max(lambda, 0));
  return Math.max(meanTerm + traces - 2 * traceRoot, 0);
}
