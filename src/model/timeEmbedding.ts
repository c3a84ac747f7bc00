/**
 * Timestep embedding: diffusers' `Timesteps` (sinusoids, no parameters) followed by
 * `TimestepEmbedding` (linear_1, SiLU, linear_2).
 */
import * as tf from '@tensorflow/tfjs';
import { linear, silu, type ForwardContext } from './ops';
import { sinusoidsWebGpu } from './webgpu/sinusoids';

/**
 * The sinusoid frequencies exp(−ln(10000)·i/(half − freqShift)), i < half, rounded to float32
 * at every step as PyTorch computes them in float32 (t up to 1000 magnifies any difference).
 */
export function timestepFrequencies(dim: number, freqShift: number): Float32Array {
  const half = Math.floor(dim / 2);
  const logMax = Math.fround(-Math.log(10000));
  const denom = Math.fround(half - freqShift);
  return Float32Array.from({ length: half }, (_, i) =>
    Math.exp(Math.fround(Math.fround(logMax * i) / denom)),
  );
}

/**
 * `[sin(t·f), cos(t·f)]` (or `[cos, sin]` when flipped) for float timesteps t [B] → [B, dim];
 * an odd dim gets a trailing zero column, as in diffusers.
 */
export function sinusoidalEmbedding(
  t: tf.Tensor1D,
  dim: number,
  flipSinToCos: boolean,
  freqShift: number,
): tf.Tensor2D {
  const freqs = tf.tensor2d(timestepFrequencies(dim, freqShift), [1, Math.floor(dim / 2)]);
  const args = tf.mul(tf.reshape(t, [-1, 1]), freqs);
  const parts = flipSinToCos ? [tf.cos(args), tf.sin(args)] : [tf.sin(args), tf.cos(args)];
  const emb = tf.concat(parts, 1) as tf.Tensor2D;
  return dim % 2 === 1
    ? tf.pad(emb, [
        [0, 0],
        [0, 1],
      ])
    : emb;
}

/** The time MLP: linear_1 → SiLU → linear_2, giving the 4·ch embedding every resnet reads. */
export function timeEmbedding(
  ctx: ForwardContext,
  t: tf.Tensor1D,
  dim: number,
  flipSinToCos: boolean,
  freqShift: number,
): tf.Tensor2D {
  const proj = ctx.fused
    ? sinusoidsWebGpu(t, timestepFrequencies(dim, freqShift), dim, flipSinToCos)
    : sinusoidalEmbedding(t, dim, flipSinToCos, freqShift);
  const h = silu(ctx, linear(ctx, proj, 'time_embedding.linear_1'));
  return linear(ctx, h, 'time_embedding.linear_2');
}
