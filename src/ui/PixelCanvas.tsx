import { useEffect, useRef } from 'react';
import type { RasterImage } from '../io/image';
import { drawRaster } from './pixels';

interface Props {
  image: RasterImage | undefined;
  /** CSS pixels per image pixel. */
  scale: number;
  label: string;
  testId?: string;
}

/** One uint8 image drawn on a canvas, scaled up without smoothing. */
export function PixelCanvas({ image, scale, label, testId }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current && image) drawRaster(ref.current, image);
  }, [image]);
  if (!image) return null;
  return (
    <canvas
      ref={ref}
      className="pixels"
      role="img"
      aria-label={label}
      data-testid={testId}
      width={image.width}
      height={image.height}
      // At most its container's width (CSS .pixels), the height following the image's aspect.
      style={{ width: image.width * scale, aspectRatio: `${image.width} / ${image.height}` }}
    />
  );
}
