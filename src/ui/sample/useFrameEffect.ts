import { useEffect, useRef } from 'react';
import { useCursor, useTimeline, type Timeline } from '../../store/timelineStore';

export type FrameDraw = (frame: number, timeline: Timeline, followed: number | null) => void;

/**
 * Runs `draw` whenever the cursor or the timeline changes, outside React's render cycle: the
 * subscribers draw straight onto canvases and text nodes, so scrubbing costs no re-render.
 */
export function useFrameEffect(draw: FrameDraw): void {
  const latest = useRef(draw);
  useEffect(() => {
    latest.current = draw;
  });
  useEffect(() => {
    let last: { frame: number; tl: Timeline; followed: number | null } | undefined;
    const run = () => {
      const tl = useTimeline.getState().timeline;
      const { frame, followed } = useCursor.getState();
      if (!tl || tl.frames.length === 0) return;
      if (last && last.frame === frame && last.tl === tl && last.followed === followed) return;
      last = { frame, tl, followed };
      latest.current(Math.min(frame, tl.frames.length - 1), tl, followed);
    };
    run();
    const offCursor = useCursor.subscribe(run);
    const offTimeline = useTimeline.subscribe(run);
    return () => {
      offCursor();
      offTimeline();
    };
  }, []);
}
