/**
 * The Inception Score's formula (Salimans et al. 2016) over any classifier's class probabilities:
 *
 *   IS = exp( E_x [ KL( p(y|x) ‖ p(y) ) ] ),   p(y) = E_x [ p(y|x) ]
 *
 * High when each image is classified confidently (low-entropy p(y|x)) and the classes are used
 * evenly (high-entropy p(y)); it ranges from 1 to the number of classes. Computed in float64 over
 * one split (the original averages 10 splits; one split is the definition, splits only estimate
 * its spread).
 */

/** exp(E[KL(p(y|x) ‖ p(y))]) for n probability rows of k classes (row-major). */
export function inceptionScore(probs: ArrayLike<number>, n: number, k: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`inceptionScore: n = ${n} rows; at least 1 is needed`);
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`inceptionScore: k = ${k} classes must be a positive integer`);
  if (probs.length !== n * k)
    throw new RangeError(
      `inceptionScore: ${probs.length} values do not form ${n} rows of ${k} classes (expected ${n * k})`,
    );
  const marginal = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const p = probs[i * k + c];
      if (!(p >= 0 && p <= 1))
        throw new RangeError(`inceptionScore: row ${i} class ${c} has probability ${p}, outside [0, 1]`);
      marginal[c] += p;
      sum += p;
    }
    // float32 softmax rows sum to 1 within ~1e-6; anything further off is not a distribution.
    if (Math.abs(sum - 1) > 1e-3) throw new RangeError(`inceptionScore: row ${i} sums to ${sum}, not 1`);
  }
  for (let c = 0; c < k; c++) marginal[c] /= n;
  let kl = 0;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) {
      const p = probs[i * k + c];
      // 0·log 0 = 0; p > 0 implies marginal[c] > 0.
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]));
    }
  return Math.exp(kl / n);
}
