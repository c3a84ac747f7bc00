/**
 * The DDPM training objective on the GPU (Ho et al. 2020, Algorithm 1): x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε
 * (eq. 4) with per-example t, and the plain MSE against the target of the configured
 * prediction type (L_simple, eq. 14, for ε). The √ᾱ tables come from the diffusion core, so the
 * GPU cannot disagree with it.
 */
import * as tf from '@tensorflow/tfjs';
import { trainingCoefficients, type PredictionType, type Scheduler } from '../diffusion';

/** The core's per-t forward-process tables, uploaded once per run. */
export interface NoiseTables {
  readonly predictionType: PredictionType;
  readonly sqrtAlphaBar: tf.Tensor1D;
  readonly sqrtOneMinusAlphaBar: tf.Tensor1D;
  dispose(): void;
}

/** Uploads √ᾱ_t and √(1−ᾱ_t) for every t of a scheduler. */
export function noiseTables(scheduler: Scheduler): NoiseTables {
  const c = trainingCoefficients(scheduler);
  const sqrtAlphaBar = tf.tensor1d(c.sqrtAlphaBar);
  const sqrtOneMinusAlphaBar = tf.tensor1d(c.sqrtOneMinusAlphaBar);
  return {
    predictionType: scheduler.config.prediction_type,
    sqrtAlphaBar,
    sqrtOneMinusAlphaBar,
    dispose: () => tf.dispose([sqrtAlphaBar, sqrtOneMinusAlphaBar]),
  };
}

/**
 * x_t and the regression target for clean images x₀ [B,H,W,C], noise ε (same shape) and integer
 * timesteps t [B]: ε for `epsilon`, x₀ for `sample`, v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ for `v_prediction`
 * (Salimans & Ho 2022 §4).
 */
export function noisyInputAndTarget(
  x0: tf.Tensor4D,
  eps: tf.Tensor4D,
  t: tf.Tensor1D,
  tables: NoiseTables,
): { xt: tf.Tensor4D; target: tf.Tensor4D } {
  return tf.tidy(() => {
    const a = tf.reshape(tf.gather(tables.sqrtAlphaBar, t), [-1, 1, 1, 1]);
    const b = tf.reshape(tf.gather(tables.sqrtOneMinusAlphaBar, t), [-1, 1, 1, 1]);
    const xt = tf.add(tf.mul(a, x0), tf.mul(b, eps)) as tf.Tensor4D;
    const target = {
      epsilon: () => tf.clone(eps),
      sample: () => tf.clone(x0),
      v_prediction: () => tf.sub(tf.mul(a, eps), tf.mul(b, x0)),
    }[tables.predictionType]() as tf.Tensor4D;
    return { xt, target };
  });
}

/** Mean squared error of each example over all its pixels and channels: [B]. */
export function perExampleMse(prediction: tf.Tensor4D, target: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.squaredDifference(prediction, target), [1, 2, 3]) as tf.Tensor1D);
}
