import { useRef, type MouseEvent } from 'react';
import { useCursor, useTimeline } from '../../store/timelineStore';
import { gridColumns, tileAt } from '../../sampling/timeline';
import { GUTTER } from '../../io/imageGrid';
import { drawRaster } from '../pixels';
import { panelImage, PANEL_TITLES, type PanelKind } from '../../sampling/timelineImages';
import { useFrameEffect } from './useFrameEffect';

interface Props {
  kind: PanelKind;
  /** Show the followed sample alone (the large view) rather than the batch. */
  single: boolean;
  scale: number;
}

/** One panel of the timeline (x_t, predicted x₀ or predicted ε), drawn from the cursor without React renders. */
export function FramePanel({ kind, single, scale }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useFrameEffect((frame, tl, followed) => {
    if (!canvas.current) return;
    const sample = single ? followed : null;
    if (single && sample === null) return;
    const image = panelImage(tl, kind, frame, sample);
    drawRaster(canvas.current, image);
    canvas.current.style.width = `${image.width * scale}px`;
    canvas.current.style.aspectRatio = `${image.width} / ${image.height}`;
  });
  const onClick = (e: MouseEvent<HTMLCanvasElement>) => {
    const tl = useTimeline.getState().timeline;
    if (single || !tl) return;
    const r = e.currentTarget.getBoundingClientRect();
    // The panel may be shrunk to its column: image pixels per CSS pixel from the drawn size.
    const shown = r.width / e.currentTarget.width;
    const i = tileAt((e.clientX - r.left) / shown, (e.clientY - r.top) / shown, {
      columns: gridColumns(tl.numImages),
      count: tl.numImages,
      tileW: tl.width,
      tileH: tl.height,
      gutter: GUTTER,
    });
    if (i !== undefined) useCursor.getState().follow(i);
  };
  const title = PANEL_TITLES[kind];
  return (
    <figure className="panel-figure">
      <canvas
        ref={canvas}
        className="pixels"
        role="img"
        aria-label={
          single ? `${title} of the followed sample` : `${title} of every sample; click one to follow it`
        }
        data-testid={`timeline-${kind}${single ? '-large' : ''}`}
        onClick={onClick}
        style={{ cursor: single ? undefined : 'pointer' }}
      />
      <figcaption>{title}</figcaption>
    </figure>
  );
}
