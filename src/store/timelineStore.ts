/**
 * The recorded reverse process of the last sampled batch, and the cursor that scrubs it.
 *
 * Frames arrive in chunks while sampling runs and are kept as the worker sent them (uint8, one
 * array per frame and kind). The cursor lives in its own store: the canvases and readouts
 * subscribe to it and draw imperatively, so scrubbing or playing never re-renders React per frame.
 */
import { create } from 'zustand';
import { encodeApng } from '../io/apng';
import { encodeGif } from '../io/gif';
import { encodePng } from '../io/png';
import { clampFrame, playbackFrame, type FrameChunk, type Timeline } from '../sampling/timeline';
import { animationFrames, stripImage } from '../sampling/timelineImages';

export type { FrameChunk, FrameMeta, Timeline } from '../sampling/timeline';

interface TimelineState {
  timeline: Timeline | undefined;
  start(meta: Omit<Timeline, 'frames' | 'xt' | 'x0' | 'eps'>): void;
  /** Appends frames of the current sample request; chunks of another are dropped. */
  append(requestId: string, chunk: FrameChunk): void;
  clear(): void;
}

export const useTimeline = create<TimelineState>((set, get) => ({
  timeline: undefined,
  start(meta) {
    set({ timeline: { ...meta, frames: [], xt: [], x0: [], eps: [] } });
    useCursor.getState().reset();
  },
  append(requestId, chunk) {
    const tl = get().timeline;
    if (!tl || tl.requestId !== requestId) return;
    const pixels = tl.numImages * tl.height * tl.width * tl.channels;
    for (const kind of ['xt', 'x0', 'eps'] as const)
      chunk[kind].forEach((a, i) => {
        if (a.length !== pixels)
          throw new RangeError(
            `timeline frame ${chunk.frames[i]?.step}: ${kind} has ${a.length} bytes, expected ${pixels} (${tl.numImages}×${tl.height}×${tl.width}×${tl.channels})`,
          );
      });
    set({
      timeline: {
        ...tl,
        frames: [...tl.frames, ...chunk.frames],
        xt: [...tl.xt, ...chunk.xt],
        x0: [...tl.x0, ...chunk.x0],
        eps: [...tl.eps, ...chunk.eps],
      },
    });
  },
  clear() {
    set({ timeline: undefined });
    useCursor.getState().reset();
  },
}));

interface CursorState {
  frame: number;
  playing: boolean;
  speed: number;
  /** The sample shown large, or null. */
  followed: number | null;
  seek(frame: number): void;
  step(delta: number): void;
  setPlaying(on: boolean): void;
  setSpeed(speed: number): void;
  follow(index: number | null): void;
  reset(): void;
}

const frameCount = () => useTimeline.getState().timeline?.frames.length ?? 0;

export const useCursor = create<CursorState>((set, get) => ({
  frame: 0,
  playing: false,
  speed: 1,
  followed: null,
  seek(frame) {
    set({ frame: clampFrame(frame, frameCount()) });
  },
  step(delta) {
    set({ frame: clampFrame(get().frame + delta, frameCount()), playing: false });
  },
  setPlaying(on) {
    const n = frameCount();
    // Play from the start when the cursor sits on the last frame.
    if (on && get().frame >= n - 1) set({ frame: 0 });
    set({ playing: on && n > 1 });
  },
  setSpeed(speed) {
    set({ speed });
  },
  follow(index) {
    set({ followed: index });
  },
  reset() {
    set({ frame: 0, playing: false, followed: null });
  },
}));

/**
 * Drives playback with requestAnimationFrame-style ticks: returns a function to call each tick with
 * the current time. Kept outside React so playing costs no renders; `Timeline` wires it to rAF.
 */
export function playbackTicker(): (nowMs: number) => boolean {
  let origin: { ms: number; frame: number; speed: number } | undefined;
  return (nowMs) => {
    const c = useCursor.getState();
    if (!c.playing) {
      origin = undefined;
      return false;
    }
    if (!origin || origin.speed !== c.speed) origin = { ms: nowMs, frame: c.frame, speed: c.speed };
    const { frame, done } = playbackFrame(origin.frame, nowMs - origin.ms, c.speed, frameCount());
    if (frame !== c.frame) useCursor.setState({ frame });
    if (done) {
      useCursor.setState({ playing: false });
      origin = undefined;
    }
    return !done;
  };
}

/** Longer animations add file size, not insight: 120 frames at 10 fps is 12 s. */
const MAX_ANIMATION_FRAMES = 120;
const STRIP_COLUMNS = 12;

/** The files a timeline exports as: an animated GIF or APNG of x_t beside predicted x₀, or a PNG strip. */
export type TimelineFormat = 'gif' | 'apng' | 'strip';

/** A file to download. */
export interface ExportedFile {
  bytes: Uint8Array;
  name: string;
  mime: string;
}

/** The timeline (of the `followed` sample, or of the whole batch when null) as a file; encoder errors are thrown. */
export function timelineFile(tl: Timeline, followed: number | null, format: TimelineFormat): ExportedFile {
  const what = followed === null ? 'batch' : `sample-${followed + 1}`;
  const frames = () => animationFrames(tl, followed, MAX_ANIMATION_FRAMES);
  switch (format) {
    case 'gif':
      return { bytes: encodeGif(frames(), { delaysMs: 100 }), name: `timeline-${what}.gif`, mime: 'image/gif' };
    case 'apng':
      return { bytes: encodeApng(frames(), { delaysMs: 100 }), name: `timeline-${what}.png`, mime: 'image/apng' };
    case 'strip':
      return {
        bytes: encodePng(stripImage(tl, followed, STRIP_COLUMNS)),
        name: `strip-${what}.png`,
        mime: 'image/png',
      };
  }
}
