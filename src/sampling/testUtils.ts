/** The toy denoiser and comparison helpers the sampling tests share (kept out of *.test.ts to be importable). */
import * as tf from '@tensorflow/tfjs';
import type { DenoisingModel } from './runner';

/** The toy's per-channel offsets: they expose any channel-layout mix-up. */
export const TOY_OFFSETS = [-0.1, 0, 0.1];

/**
 * diffusers' test toy x·t/(t+1), halved, plus {@link TOY_OFFSETS}[c]; scripts/reference/sampling_reference.py
 * computes the same in the same float32 op order. Halved because with m ≈ x the x̂₀ formula
 * (x − √(1−ᾱ)·m)/√ᾱ cancels almost completely at large t and float32 cannot hold the difference to
 * 1e-5 (1/√ᾱ ≈ 128 amplifies one ulp of its terms).
 */
export function toyModel(side: number, channels: number): DenoisingModel {
  return {
    config: { in_channels: channels, out_channels: channels, sample_size: side },
    apply: (x, t) =>
      tf.tidy(() =>
        tf.add(
          tf.mul(x, tf.reshape(tf.div(tf.mul(t, 0.5), tf.add(t, 1)), [-1, 1, 1, 1])),
          tf.tensor1d(TOY_OFFSETS),
        ),
      ),
  };
}

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
