/**
 * One reverse step, DDPM or DDIM, as tfjs ops. Every scalar comes from the diffusion core's
 * `stepCoefficients`, so this file holds no schedule math of its own: it runs the core's recipe
 *
 *   x̂₀     = x0FromSample·x_t + x0FromModel·m,  clipped to ±clipRange when set
 *   x_prev = prevFromX0·x̂₀ + prevFromSample·x_t + prevFromModel·m + sigma·z
 *
 * elementwise on the GPU, exactly as `applyStep` runs it on the CPU.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepCoefficients } from '../diffusion';

/** What a step returns; the caller owns (and disposes) all three tensors. */
export interface GpuStepResult<T extends tf.Tensor> {
  /** x_{t−1}: the sample the next step starts from. */
  prevSample: T;
  /** x̂₀ after clipping, as the step used it (shown beside x_t on the timeline). */
  x0: T;
  /** ε̂, the noise the model's output implies (before any clipping of x̂₀). */
  eps: T;
}

/**
 * ε̂ as a linear combination of x_t and the model output m, in float64 scalars. It follows from the
 * forward process x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε with the unclipped x̂₀ = a·x_t + b·m:
 * ε̂ = ((1 − √ᾱ_t·a)·x_t − √ᾱ_t·b·m)/√(1−ᾱ_t). Folding the scalars first keeps float32 rounding out
 * of the cancellation in x_t − √ᾱ_t·x̂₀ (for ε-prediction the result is m itself, up to one ulp).
 */
export function epsCoefficients(c: StepCoefficients): { epsFromSample: number; epsFromModel: number } {
  const sqrtAb = Math.sqrt(c.alphaBar);
  const sqrtOneMinusAb = Math.sqrt(1 - c.alphaBar);
  return {
    epsFromSample: (1 - sqrtAb * c.x0FromSample) / sqrtOneMinusAb,
    epsFromModel: (-sqrtAb * c.x0FromModel) / sqrtOneMinusAb,
  };
}

/**
 * Runs one reverse step x_t → x_{t−1} on tensors of any (equal) shape. `noise` is z ~ N(0, I),
 * required when `c.sigma > 0` and ignored otherwise. Inputs are not disposed.
 */
export function gpuStep<T extends tf.Tensor>(
  c: StepCoefficients,
  modelOutput: T,
  sample: T,
  noise: T | null,
): GpuStepResult<T> {
  if (!sameShape(modelOutput.shape, sample.shape)) {
    throw new RangeError(
      `gpuStep at t = ${c.t}: model output [${modelOutput.shape.join(', ')}] and sample [${sample.shape.join(', ')}] must have the same shape`,
    );
  }
  if (c.sigma > 0 && (noise === null || !sameShape(noise.shape, sample.shape))) {
    throw new RangeError(
      `gpuStep at t = ${c.t} adds noise (σ = ${c.sigma}): needs noise of shape [${sample.shape.join(', ')}], got ${noise === null ? 'none' : `[${noise.shape.join(', ')}]`}`,
    );
  }
  const { epsFromSample, epsFromModel } = epsCoefficients(c);
  return tf.tidy(() => {
    const x = sample;
    const m = modelOutput;
    const unclipped = combine(c.x0FromSample, x, c.x0FromModel, m);
    const x0 = c.clipRange === null ? unclipped : tf.clipByValue(unclipped, -c.clipRange, c.clipRange);
    let prev = tf.add(tf.mul(x0, c.prevFromX0), combine(c.prevFromSample, x, c.prevFromModel, m));
    if (c.sigma > 0) prev = tf.add(prev, tf.mul(noise as T, c.sigma));
    const eps = combine(epsFromSample, x, epsFromModel, m);
    return { prevSample: prev as T, x0: x0 as T, eps: eps as T };
  });
}

/** a·x + b·m, skipping a term whose scalar is exactly 0 (DDPM has no direct m term). */
function combine(a: number, x: tf.Tensor, b: number, m: tf.Tensor): tf.Tensor {
  if (a === 0) return tf.mul(m, b);
  if (b === 0) return tf.mul(x, a);
  return tf.add(tf.mul(x, a), tf.mul(m, b));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
