/**
 * Every random value of a training step as a pure function of (run seed, step, stream, index),
 * drawn with Philox 4x32-10: counter = [index, step, stream, 0], key = [seed low word, seed high
 * word]. Nothing is carried from step to step, so a resumed run draws exactly what an
 * uninterrupted one would, and the CPU (these functions) and the GPU (`philoxWgsl.ts`'s
 * `TRAINING_DRAWS_WGSL`) draw the same t, flips, ε and dropout masks.
 */
import { philox4x32 } from './philox';

/** Stream numbers (counter word 2). Dropout call k of a forward pass uses `dropout + k`. */
export const STREAM = Object.freeze({ t: 1, flip: 2, eps: 3, dropout: 16 });

/** 2⁻²⁴: a word's top 24 bits times this is an exact float32 in [0, 1). */
export const INV_2_24 = 5.9604644775390625e-8;

/** Where in the run a draw belongs: the run seed (a safe integer) and the optimiser step. */
export interface DrawKey {
  seed: number;
  step: number;
}

/** The Philox key words of a run seed: its low and high 32 bits. */
export function philoxKey(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`random seed ${seed} is not allowed; it must be a non-negative safe integer`);
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

/** The three words [seed low, seed high, step] the GPU kernels read a key from, as int32 bit patterns. */
export function keyWords(key: DrawKey): Int32Array {
  const [lo, hi] = philoxKey(key.seed);
  return new Int32Array(new Uint32Array([lo, hi, key.step]).buffer);
}

function words(key: DrawKey, stream: number, index: number, out: Uint32Array): Uint32Array {
  if (!Number.isInteger(key.step) || key.step < 0 || key.step >= 4294967296)
    throw new RangeError(`random step ${key.step} is not allowed; it must be an integer from 0 to 2^32 − 1`);
  return philox4x32([index, key.step, stream, 0], philoxKey(key.seed), out);
}

/**
 * Timesteps t ∈ 0..T−1 for a batch of `batch`: word 0 of (index b, stream t) mod T; with `shared`
 * every example takes index 0's. (The modulo's bias, T/2³² ≤ 2.4e-7, is far below any effect.)
 */
export function drawTimesteps(key: DrawKey, batch: number, T: number, shared: boolean): Int32Array {
  const out = new Int32Array(batch);
  const w = new Uint32Array(4);
  for (let b = 0; b < batch; b++) out[b] = words(key, STREAM.t, shared ? 0 : b, w)[0] % T;
  return out;
}

/** Horizontal flips for a batch: 1 where the top bit of word 0 of (index b, stream flip) is set. */
export function drawFlips(key: DrawKey, batch: number): Uint8Array {
  const out = new Uint8Array(batch);
  const w = new Uint32Array(4);
  for (let b = 0; b < batch; b++) out[b] = words(key, STREAM.flip, b, w)[0] >>> 31;
  return out;
}

/**
 * Standard normals ε[0..n) (stream eps): element e uses counter index ⌊e/4⌋; words (0, 1) give
 * elements 4i, 4i+1 and words (2, 3) give 4i+2, 4i+3 by Box–Muller, z = √(−2 ln u₁)·(cos, sin)(2π u₂)
 * with u₁ = (⌊w/2⁸⌋ + 1)·2⁻²⁴ ∈ (0, 1] and u₂ = ⌊w/2⁸⌋·2⁻²⁴ ∈ [0, 1). Computed in float64 and
 * rounded; the GPU computes in float32 with its approximate log, sin and cos, so the two agree
 * to about 1e-4 relative, not bit for bit (the words, t, flips and dropout masks are exact).
 */
export function drawNoise(key: DrawKey, n: number): Float32Array {
  const out = new Float32Array(n);
  const w = new Uint32Array(4);
  for (let i = 0; 4 * i < n; i++) {
    words(key, STREAM.eps, i, w);
    for (let pair = 0; pair < 2; pair++) {
      const u1 = ((w[2 * pair] >>> 8) + 1) * INV_2_24;
      const u2 = (w[2 * pair + 1] >>> 8) * INV_2_24;
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      const e = 4 * i + 2 * pair;
      if (e < n) out[e] = r * Math.cos(theta);
      if (e + 1 < n) out[e + 1] = r * Math.sin(theta);
    }
  }
  return out;
}

/** The integer keep threshold of a dropout rate: an element is kept when ⌊w/2⁸⌋ ≥ round(rate·2²⁴). */
export function dropoutThreshold(rate: number): number {
  if (!(rate >= 0 && rate < 1))
    throw new RangeError(`dropout rate ${rate} is not allowed; it must be in [0, 1)`);
  return Math.round(rate * 16777216);
}

/**
 * The inverted-dropout multipliers of dropout call `call` over n elements: 0 for a dropped element,
 * float32(1/(1−rate)) for a kept one (element e: word e mod 4 of counter index ⌊e/4⌋, stream
 * dropout + call). x·mask is exactly what the GPU's dropout kernel computes.
 */
export function dropoutMask(key: DrawKey, call: number, n: number, rate: number): Float32Array {
  const threshold = dropoutThreshold(rate);
  const scale = Math.fround(1 / (1 - rate));
  const out = new Float32Array(n);
  const w = new Uint32Array(4);
  for (let i = 0; 4 * i < n; i++) {
    words(key, STREAM.dropout + call, i, w);
    for (let j = 0; j < 4 && 4 * i + j < n; j++) out[4 * i + j] = w[j] >>> 8 >= threshold ? scale : 0;
  }
  return out;
}
