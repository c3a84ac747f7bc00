import { useMemo } from 'react';
import { useCursor, useTimeline } from '../../store/timelineStore';
import { useImageScale } from '../ImageSizeControl';
import { PixelCanvas } from '../PixelCanvas';
import { FramePanel } from './FramePanel';
import { stripImage } from '../../sampling/timelineImages';

/** One sample followed through the reverse process: its three panels large, and its trajectory as a strip. */
export function FollowView({ sample }: { sample: number }) {
  const tl = useTimeline((s) => s.timeline);
  const strip = useMemo(
    () => (tl && tl.frames.length > 0 ? stripImage(tl, sample, 12) : undefined),
    [tl, sample],
  );
  // The followed sample twice the chosen image size, the strip's frames half of it.
  const scale = useImageScale(tl?.width ?? 1, 2);
  const stripScale = useImageScale(tl?.width ?? 1, 0.5);
  if (!tl) return null;
  return (
    <div className="follow" data-testid="follow-view">
      <h3>
        Sample {sample + 1}{' '}
        <button type="button" onClick={() => useCursor.getState().follow(null)}>
          Stop following
        </button>
      </h3>
      <div className="panels">
        <FramePanel kind="xt" single scale={scale} />
        <FramePanel kind="x0" single scale={scale} />
        <FramePanel kind="eps" single scale={scale} />
      </div>
      <figure>
        <PixelCanvas
          image={strip}
          scale={stripScale}
          label={`Trajectory of sample ${sample + 1}: x_t above, predicted x₀ below`}
        />
        <figcaption>
          Trajectory: x_t (top) and predicted x₀ (bottom), from pure noise to the sample
        </figcaption>
      </figure>
    </div>
  );
}
