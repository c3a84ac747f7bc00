/** Frame checks and timing shared by the animated encoders (APNG, GIF). */
import type { RasterImage } from './image';
import { checkRaster } from './image';

/** Timing and looping of an animation. */
export interface AnimationOptions {
  /** Display time of each frame in milliseconds: one value for all frames, or one per frame. */
  delaysMs: number | readonly number[];
  /** Repeat forever (default) or play once. */
  loop?: boolean;
  /** Called after each frame is encoded, with how many are done: an export's progress bar. */
  onFrame?(done: number, total: number): void;
}

/**
 * Checks that there is at least one frame, all of one size and channel count, and returns each
 * frame's delay in ms; errors (`RangeError`) start with `where` and name the frame.
 */
export function checkFrames(
  frames: readonly RasterImage[],
  opts: AnimationOptions,
  where: string,
  maxDelayMs: number,
): number[] {
  if (frames.length === 0) throw new RangeError(`${where}: no frames`);
  const [first] = frames;
  frames.forEach((f, i) => {
    checkRaster(f, `${where}: frame ${i}`);
    if (f.width !== first.width || f.height !== first.height || f.channels !== first.channels) {
      throw new RangeError(
        `${where}: frame ${i} is ${f.width}×${f.height}×${f.channels}, frame 0 is ${first.width}×${first.height}×${first.channels}`,
      );
    }
  });
  const delays =
    typeof opts.delaysMs === 'number' ? frames.map(() => opts.delaysMs as number) : [...opts.delaysMs];
  if (delays.length !== frames.length)
    throw new RangeError(`${where}: ${delays.length} delays for ${frames.length} frames`);
  delays.forEach((d, i) => {
    if (!Number.isFinite(d) || d < 0 || d > maxDelayMs)
      throw new RangeError(`${where}: delay ${d} ms of frame ${i} must be between 0 and ${maxDelayMs}`);
  });
  return delays;
}
