import { useState } from 'react';
import { encodeApng } from '../../io/apng';
import { encodeGif } from '../../io/gif';
import { encodePng } from '../../io/png';
import { useCursor, useTimeline } from '../../store/timelineStore';
import { downloadBytes } from '../download';
import { animationFrames, stripImage } from './timelineImages';

/** Longer animations add file size, not insight: 120 frames at 10 fps is 12 s. */
const MAX_ANIMATION_FRAMES = 120;
const STRIP_COLUMNS = 12;

/** Exports the timeline (of the followed sample, or of the whole batch) as GIF, APNG or a PNG strip. */
export function TimelineExport() {
  const tl = useTimeline((s) => s.timeline);
  const followed = useCursor((s) => s.followed);
  const [error, setError] = useState<string>();
  if (!tl || tl.frames.length === 0) return null;
  const what = followed === null ? 'batch' : `sample-${followed + 1}`;
  const run = (make: () => [Uint8Array, string, string]) => {
    try {
      setError(undefined);
      downloadBytes(...make());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div className="row" role="group" aria-label="Export the timeline">
      <span>Export {followed === null ? 'the batch' : `sample ${followed + 1}`}:</span>
      <button
        type="button"
        onClick={() =>
          run(() => [
            encodeGif(animationFrames(tl, followed, MAX_ANIMATION_FRAMES), { delaysMs: 100 }),
            `timeline-${what}.gif`,
            'image/gif',
          ])
        }
      >
        GIF
      </button>
      <button
        type="button"
        onClick={() =>
          run(() => [
            encodeApng(animationFrames(tl, followed, MAX_ANIMATION_FRAMES), { delaysMs: 100 }),
            `timeline-${what}.png`,
            'image/apng',
          ])
        }
      >
        APNG
      </button>
      <button
        type="button"
        onClick={() =>
          run(() => [encodePng(stripImage(tl, followed, STRIP_COLUMNS)), `strip-${what}.png`, 'image/png'])
        }
      >
        PNG strip
      </button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}
