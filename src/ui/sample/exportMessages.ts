/**
 * The messages between the page and the timeline-export worker. The page sends `start`, then one
 * `frame` each time the worker asks (`next`), so no single task of the page copies more than one
 * frame; the worker tiles and encodes, reporting `progress`, and answers `done` or `error`.
 */
import type { Timeline } from '../../store/timelineStore';

export type ExportKind = 'gif' | 'apng' | 'strip';

export type ExportShape = Pick<Timeline, 'numImages' | 'height' | 'width' | 'channels'>;

export type ToExportWorker =
  | { type: 'start'; kind: ExportKind; shape: ExportShape; sample: number | null; frames: number }
  | { type: 'frame'; xt: Uint8Array; x0: Uint8Array };

export type FromExportWorker =
  | { type: 'next' }
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; bytes: Uint8Array }
  | { type: 'error'; message: string };

/** Animation frames per second of an export. */
export const EXPORT_DELAY_MS = 100;
/** Longer animations add file size, not insight: 120 frames at 10 fps is 12 s. */
export const MAX_ANIMATION_FRAMES = 120;
/** Frames a PNG strip shows, left to right. */
export const STRIP_COLUMNS = 12;
