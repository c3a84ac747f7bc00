/**
 * The little dense linear algebra the Fréchet distance needs, in float64 on row-major d×d
 * matrices. Feature dimensions are small (64–128), so O(d³) per operation is a few milliseconds.
 */

/** C = A·B for d×d row-major matrices. */
export function matMul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) c[i * d + j] += aik * b[k * d + j];
    }
  return c;
}

/** Eigenvalues and eigenvectors of a symmetric matrix: A = V·diag(values)·Vᵀ, eigenvector k in column k of V. */
export interface SymmetricEigen {
  values: Float64Array;
  /** d×d row-major; column k is the unit eigenvector of `values[k]`. */
  vectors: Float64Array;
}

const MAX_SWEEPS = 100;

/**
 * Cyclic Jacobi eigendecomposition of a symmetric matrix (Golub & Van Loan §8.5). Slower than
 * QR-based solvers but unconditionally stable and accurate to a few ulps relative to the largest
 * eigenvalue, which is what matters for covariance matrices with eigenvalues spread over many
 * orders of magnitude (or exactly zero when there are fewer samples than dimensions).
 * Only the upper triangle's symmetric part is trusted: the input is symmetrised first.
 */
export function symmetricEigen(matrix: Float64Array, d: number): SymmetricEigen {
  if (matrix.length !== d * d)
    throw new RangeError(
      `symmetricEigen: matrix has ${matrix.length} entries, expected ${d}×${d} = ${d * d}`,
    );
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) a[i * d + j] = 0.5 * (matrix[i * d + j] + matrix[j * d + i]);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;

  let scale = 0;
  for (let i = 0; i < d * d; i++) scale = Math.max(scale, Math.abs(a[i]));
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    if (Math.sqrt(off) <= 1e-15 * scale * d || scale === 0) break;
    for (let p = 0; p < d - 1; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q], in the numerically safe form (GVL Algorithm 8.5.1).
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(a, v, d, p, q, c, s);
      }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i];
  return { values, vectors: v };
}

/** Applies the Jacobi rotation J(p, q, θ) as A ← JᵀAJ and V ← VJ. */
function rotate(
  a: Float64Array,
  v: Float64Array,
  d: number,
  p: number,
  q: number,
  c: number,
  s: number,
): void {
  for (let k = 0; k < d; k++) {
    const akp = a[k * d + p];
    const akq = a[k * d + q];
    a[k * d + p] = c * akp - s * akq;
    a[k * d + q] = s * akp + c * akq;
  }
  for (let k = 0; k < d; k++) {
    const apk = a[p * d + k];
    const aqk = a[q * d + k];
    a[p * d + k] = c * apk - s * aqk;
    a[q * d + k] = s * apk + c * aqk;
  }
  for (let k = 0; k < d; k++) {
    const vkp = v[k * d + p];
    const vkq = v[k * d + q];
    v[k * d + p] = c * vkp - s * vkq;
    v[k * d + q] = s * vkp + c * vkq;
  }
}

/**
 * The principal square root of a symmetric positive semi-definite matrix, V·diag(√λ)·Vᵀ.
 * Eigenvalues that round to slightly below zero (a PSD matrix built in floating point) count as 0.
 */
export function sqrtPsd(matrix: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const root = Math.sqrt(Math.max(values[k], 0));
    if (root === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k] * root;
      if (vik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k];
    }
  }
  return out;
}
