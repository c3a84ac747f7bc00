/**
 * The recorded reverse-process timeline as the page keeps it, and its index math: which recorded
 * frame the slider, the keyboard and playback point at, and which sample a click on a grid lands
 * on. Frames run in sampling order, frame 0 being the first reverse step (from pure noise) and the
 * last frame the finished samples. Pure TypeScript: the page imports it.
 */

/** What the sampler reports about one recorded reverse step. */
export interface FrameMeta {
  /** Index of the reverse step, 0 = the first step from pure noise. */
  step: number;
  t: number;
  alphaBar: number;
  sigma: number;
}

/** Recorded frames of one sampled batch: x_t, predicted x₀ and predicted ε, each numImages×H×W×C uint8. */
export interface Timeline {
  /** The sample request that recorded it. */
  requestId: string;
  numImages: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** Reverse steps the sampler ran. */
  totalSteps: number;
  /** Every `stride`-th step was recorded (1 = all), to stay within the memory budget. */
  stride: number;
  frames: FrameMeta[];
  xt: Uint8Array[];
  x0: Uint8Array[];
  eps: Uint8Array[];
}

export interface FrameChunk {
  frames: FrameMeta[];
  xt: Uint8Array[];
  x0: Uint8Array[];
  eps: Uint8Array[];
}

/** Keeps a frame index inside 0..count−1 (0 for an empty timeline). */
export function clampFrame(index: number, count: number): number {
  if (count <= 0 || !Number.isFinite(index)) return 0;
  return Math.min(count - 1, Math.max(0, Math.round(index)));
}

/** What a key does on the timeline: a new frame index, a play/pause toggle, or nothing. */
export type TimelineKeyAction = { frame: number } | { toggle: true } | undefined;

/** ←/→ step one frame, Home/End jump to the ends, space plays or pauses. */
export function timelineKey(key: string, index: number, count: number): TimelineKeyAction {
  switch (key) {
    case 'ArrowLeft':
      return { frame: clampFrame(index - 1, count) };
    case 'ArrowRight':
      return { frame: clampFrame(index + 1, count) };
    case 'Home':
      return { frame: 0 };
    case 'End':
      return { frame: clampFrame(count - 1, count) };
    case ' ':
      return { toggle: true };
    default:
      return undefined;
  }
}

/** Frames per second of playback at speed 1×. */
export const BASE_FPS = 10;

/** Playback speeds offered, as multiples of {@link BASE_FPS}. */
export const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;

/**
 * The frame playback shows `elapsedMs` after starting at `startFrame`; playback stops on the last
 * frame (`done`), since the finished samples are what a learner wants to look at.
 */
export function playbackFrame(
  startFrame: number,
  elapsedMs: number,
  speed: number,
  count: number,
): { frame: number; done: boolean } {
  const advanced = Math.floor((elapsedMs / 1000) * BASE_FPS * speed);
  const frame = Math.min(count - 1, startFrame + Math.max(0, advanced));
  return { frame: Math.max(0, frame), done: frame >= count - 1 };
}

/** The tile of a grid of `tileW`×`tileH` images, `columns` wide, with `gutter` px between tiles, under pixel (x, y). */
export function tileAt(
  x: number,
  y: number,
  grid: { columns: number; count: number; tileW: number; tileH: number; gutter: number },
): number | undefined {
  const { columns, count, tileW, tileH, gutter } = grid;
  if (x < 0 || y < 0) return undefined;
  const col = Math.floor(x / (tileW + gutter));
  const row = Math.floor(y / (tileH + gutter));
  // A click on a gutter selects nothing rather than a neighbour.
  if (x - col * (tileW + gutter) >= tileW || y - row * (tileH + gutter) >= tileH) return undefined;
  if (col >= columns) return undefined;
  const index = row * columns + col;
  return index < count ? index : undefined;
}

/** The number of grid columns used for `count` images: the squarest layout, as `tileImages` uses. */
export function gridColumns(count: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(count)));
}

/** A one-line account of what was recorded, e.g. "every 4th of 1000 steps (250 frames)". */
export function recordingNote(totalSteps: number, frames: number, stride: number): string {
  if (stride <= 1) return `every step recorded (${frames} frames)`;
  return `every ${ordinal(stride)} of ${totalSteps} steps recorded (${frames} frames) to stay within the memory budget`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}
