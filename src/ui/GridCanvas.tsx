import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { ImageBatch } from '../io/image';
import { batchGrid, GUTTER } from '../io/imageGrid';
import { drawRaster } from './pixels';
import { gridColumns, tileAt } from '../sampling/timeline';

interface Props {
  batch: ImageBatch;
  /** CSS pixels per image pixel; the grid shrinks to its container when that is narrower. */
  scale: number;
  label: string;
  /** Called with a tile's index on click, or on Enter/space after moving to it with the arrow keys. */
  onTile?: (index: number) => void;
  /** Tiles drawn with a frame (the current selection). */
  marked?: readonly number[];
  /** Text for a tile, e.g. its class, read out while moving with the keyboard. */
  describe?: (index: number) => string;
  testId?: string;
}

/**
 * A batch drawn as one grid on a canvas. With `onTile` it is a keyboard-reachable picker: Tab
 * focuses it, the arrow keys move between tiles, Enter or space picks one.
 */
export function GridCanvas({ batch, scale, label, onTile, marked = [], describe, testId }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [cursor, setCursor] = useState(0);
  const columns = gridColumns(batch.count);
  useEffect(() => {
    if (ref.current) drawRaster(ref.current, batchGrid(batch, columns));
  }, [batch, columns]);

  const tile = { columns, count: batch.count, tileW: batch.width, tileH: batch.height, gutter: GUTTER };
  const gridW = columns * (batch.width + GUTTER) - GUTTER;
  const gridH = Math.ceil(batch.count / columns) * (batch.height + GUTTER) - GUTTER;
  // Marks in percent of the grid, so they stay on their tiles when the grid is shrunk to fit.
  const pct = (v: number, of: number) => `${(100 * v) / of}%`;
  const box = (i: number) => ({
    left: pct((i % columns) * (batch.width + GUTTER), gridW),
    top: pct(Math.floor(i / columns) * (batch.height + GUTTER), gridH),
    width: pct(batch.width, gridW),
    height: pct(batch.height, gridH),
  });
  const onClick = (e: MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const shown = r.width / gridW;
    const i = tileAt((e.clientX - r.left) / shown, (e.clientY - r.top) / shown, tile);
    if (i !== undefined && onTile) {
      setCursor(i);
      onTile(i);
    }
  };
  const onKey = (e: KeyboardEvent<HTMLCanvasElement>) => {
    const moves: Record<string, number> = {
      ArrowLeft: -1,
      ArrowRight: 1,
      ArrowUp: -columns,
      ArrowDown: columns,
    };
    if (e.key in moves) {
      setCursor((c) => Math.min(batch.count - 1, Math.max(0, c + moves[e.key])));
      e.preventDefault();
    } else if ((e.key === 'Enter' || e.key === ' ') && onTile) {
      onTile(cursor);
      e.preventDefault();
    }
  };
  return (
    <div className="grid-canvas" style={{ width: gridW * scale }}>
      <canvas
        ref={ref}
        className="pixels"
        data-testid={testId}
        role="img"
        aria-label={onTile ? `${label}; arrow keys move between images, Enter picks one` : label}
        tabIndex={onTile ? 0 : undefined}
        onClick={onClick}
        onKeyDown={onKey}
        style={{ aspectRatio: `${gridW} / ${gridH}`, cursor: onTile ? 'pointer' : undefined }}
      />
      {marked.map((i) => (
        <span key={i} className="tile-mark" style={box(i)} aria-hidden />
      ))}
      {onTile && <span className="tile-cursor" style={box(cursor)} aria-hidden />}
      {onTile && (
        <span className="sr-only" aria-live="polite">
          Image {cursor + 1} of {batch.count}
          {describe ? `: ${describe(cursor)}` : ''}
        </span>
      )}
    </div>
  );
}
