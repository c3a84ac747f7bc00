/**
 * The images a timeline is shown and exported as: one panel (x_t, predicted x₀ or predicted ε) of
 * one frame, as a grid of the batch or one followed sample; animation frames; a PNG strip.
 */
import type { ImageBatch, RasterImage } from '../io/image';
import { batchGrid, imageOf, tileImages } from '../io/imageGrid';
import type { Timeline } from './timeline';

export type PanelKind = 'xt' | 'x0' | 'eps';

export const PANEL_TITLES: Record<PanelKind, string> = { xt: 'x_t', x0: 'predicted x₀', eps: 'predicted ε' };

/** One kind of one frame as a batch. */
export function frameBatch(tl: Timeline, kind: PanelKind, frame: number): ImageBatch {
  return {
    data: tl[kind][frame],
    count: tl.numImages,
    height: tl.height,
    width: tl.width,
    channels: tl.channels,
  };
}

/** A panel: the whole batch as a grid, or the followed sample alone. */
export function panelImage(tl: Timeline, kind: PanelKind, frame: number, sample: number | null): RasterImage {
  const batch = frameBatch(tl, kind, frame);
  return sample === null ? batchGrid(batch) : imageOf(batch, sample);
}

/** Up to `max` frame indices spread evenly over 0..count−1, always with the first and the last. */
export function evenFrames(count: number, max: number): number[] {
  if (count <= 0) return [];
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  if (max < 2) return [count - 1];
  return Array.from({ length: max }, (_, i) => Math.round((i * (count - 1)) / (max - 1)));
}

/** Animation frames: x_t beside predicted x₀, at most `maxFrames` of them. */
export function animationFrames(tl: Timeline, sample: number | null, maxFrames: number): RasterImage[] {
  return evenFrames(tl.frames.length, maxFrames).map((f) =>
    tileImages([panelImage(tl, 'xt', f, sample), panelImage(tl, 'x0', f, sample)], {
      columns: 2,
      gutter: 2,
      background: 255,
    }),
  );
}

/** A strip: `columns` frames left to right, x_t on the top row and predicted x₀ below. */
export function stripImage(tl: Timeline, sample: number | null, columns: number): RasterImage {
  const picks = evenFrames(tl.frames.length, columns);
  const row = (kind: PanelKind) => picks.map((f) => panelImage(tl, kind, f, sample));
  return tileImages([...row('xt'), ...row('x0')], { columns: picks.length, gutter: 2, background: 255 });
}
