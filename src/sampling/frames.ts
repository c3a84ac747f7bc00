/**
 * The timeline's frames: what one recorded step holds, how values become display bytes, and how
 * many steps fit a memory budget. No tfjs here (the page reads these types too).
 */
import type { FrameFormat } from './options';

/** Values of one image batch, NHWC row-major: bytes for display, or the exact floats. */
export type FrameData = Uint8Array | Float32Array;

/** Geometry of a batch of images: every FrameData and the final images are [numImages, height, width, channels]. */
export interface ImageShape {
  numImages: number;
  height: number;
  width: number;
  channels: number;
}

/** One recorded reverse step: the sample it started from and what the model predicted there. */
export interface SampleFrame {
  /** Index of the step in the run, 0 first (at the noisiest t). */
  step: number;
  /** The timestep of x_t (0-based, as the model saw it). */
  t: number;
  /** The timestep the step lands on; −1 is "before t = 0". */
  prevT: number;
  /** ᾱ_t: the signal fraction left in x_t. */
  alphaBar: number;
  /** σ_t: the standard deviation of the fresh noise this step added. */
  sigma: number;
  /** x_t, the input of the step. */
  xt: FrameData;
  /** x̂₀ as the step used it (clipped when clipping is on). */
  x0: FrameData;
  /** ε̂, the noise the model's output implies. */
  eps: FrameData;
}

/**
 * Maps [−1, 1] to 0..255 as diffusers' pipelines do ((x + 1)/2 clamped to [0, 1], × 255, rounded);
 * NaN becomes 0 so a diverged model shows black rather than failing.
 */
export function toUint8(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i] + 1) * 127.5);
    out[i] = v > 255 ? 255 : v > 0 ? v : 0;
  }
  return out;
}

/** Bytes one frame (x_t, x̂₀ and ε̂ of every image) takes in a format. */
export function frameBytes(shape: ImageShape, format: FrameFormat): number {
  const values = shape.numImages * shape.height * shape.width * shape.channels;
  return 3 * values * (format === 'uint8' ? 1 : 4);
}

/**
 * Every `stride`-th step is recorded, starting with the first, so that the recorded frames fit
 * `budgetBytes`. A stride of 0 means nothing is recorded (budget 0); a non-zero budget smaller
 * than one frame is an error rather than a silently empty timeline.
 */
export function frameStride(numSteps: number, bytesPerFrame: number, budgetBytes: number): number {
  if (budgetBytes === 0) return 0;
  const maxFrames = Math.floor(budgetBytes / bytesPerFrame);
  if (maxFrames < 1) {
    throw new RangeError(
      `frame budget ${budgetBytes} bytes is smaller than one frame (${bytesPerFrame} bytes); raise it, or use 0 to record no frames`,
    );
  }
  return Math.ceil(numSteps / Math.min(maxFrames, numSteps));
}

/** How many frames a run of `numSteps` records at `stride` (steps 0, stride, 2·stride, …). */
export function frameCount(numSteps: number, stride: number): number {
  return stride === 0 ? 0 : Math.ceil(numSteps / stride);
}
