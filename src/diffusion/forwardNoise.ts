/**
 * The forward-process preview: x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε on a few dataset images, under the
 * current schedule. It runs on the main thread with the diffusion core's own `addNoise`, because a
 * handful of 32×32 images cost microseconds and the worker may be busy training.
 */
import type { SchedulerConfig } from './config';
import { Rng } from './rng';
import { createScheduler } from './scheduler';

/** Bytes 0..255 to the model's data range [−1, 1], as the trainer scales them. */
export function bytesToUnit(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 127.5 - 1;
  return out;
}

/** [−1, 1] back to bytes, clipping what noise pushed outside the range. */
export function unitToBytes(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.round(Math.min(1, Math.max(-1, x[i])) * 127.5 + 127.5);
  return out;
}

/**
 * Noises `images` (uint8, any layout) to timestep `t` with ε drawn from a seeded `Rng`, so moving
 * the slider changes only the noise level, never the noise itself. Throws the core's
 * `SchedulerConfigError` for a schedule that cannot be built (the view shows its message).
 */
export function noisyImages(
  images: Uint8Array,
  config: Partial<SchedulerConfig>,
  t: number,
  seed: number,
): Uint8Array {
  const scheduler = createScheduler('ddpm', config);
  const eps = new Rng(seed).fillNormal(new Float32Array(images.length));
  return unitToBytes(scheduler.addNoise(bytesToUnit(images), eps, t));
}
