/**
 * The raster type the image encoders share: 8-bit samples, rows top to bottom, pixels
 * interleaved (HWC), 1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA.
 */

/** An 8-bit image, `data.length === width * height * channels`. */
export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

/**
 * A batch of `count` equally sized 8-bit HWC images stored back to back (1 = gray, 3 = RGB): what
 * the worker sends of datasets, previews and samples, and what the page draws.
 */
export interface ImageBatch {
  data: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Throws a `RangeError` that starts with `where` unless the image's fields agree with each other. */
export function checkRaster(image: RasterImage, where: string): void {
  const { width, height, channels, data } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`${where}: size ${width}×${height} must be positive integers`);
  }
  if (![1, 2, 3, 4].includes(channels))
    throw new RangeError(`${where}: channels ${channels} must be 1, 2, 3 or 4`);
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `${where}: ${width}×${height}×${channels} needs ${width * height * channels} bytes of data, got ${data.length}`,
    );
  }
}
