import { useId } from 'react';
import { IMAGE_SIZES, useUi, type ImageSize } from '../store/uiStore';

/** The page-wide zoom for images: how many CSS pixels one image is shown at. */
export function ImageSizeControl() {
  const id = useId();
  const size = useUi((s) => s.imageSize);
  return (
    <div className="image-size">
      <label htmlFor={id}>Image size</label>
      <select
        id={id}
        data-testid="image-size"
        value={size}
        onChange={(e) => useUi.getState().setImageSize(Number(e.target.value) as ImageSize)}
      >
        {IMAGE_SIZES.map((s) => (
          <option key={s} value={s}>
            {s} px
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * CSS pixels per image pixel for images `width` pixels wide, at the chosen image size times
 * `factor` (a followed sample is shown larger, a strip smaller). Whole numbers keep every image
 * pixel the same size on screen; never below 1.
 */
export function useImageScale(width: number, factor = 1): number {
  const size = useUi((s) => s.imageSize);
  return Math.max(1, Math.round((size * factor) / Math.max(1, width)));
}
