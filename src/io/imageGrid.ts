/**
 * Tiles equally sized 8-bit images (HWC) into one grid image, row by row, with a gutter of 1 or
 * 2 px between tiles in a flat background value; unused cells at the end stay background. Used to
 * show a batch of samples as one PNG or one animation frame, and a batch on a canvas.
 */
import { checkRaster } from './image';
import type { ImageBatch, RasterImage } from './image';

/** Grid layout: `columns` defaults to ⌈√n⌉, `gutter` to 1 px, `background` (every channel) to 255. */
export interface GridOptions {
  columns?: number;
  gutter?: 1 | 2;
  background?: number;
}

/** Lays `images` out in a grid; throws `RangeError` for mismatched images or bad options. */
export function tileImages(images: readonly RasterImage[], opts: GridOptions = {}): RasterImage {
  if (images.length === 0) throw new RangeError('tileImages: no images');
  const [first] = images;
  const { width: w, height: h, channels } = first;
  images.forEach((img, i) => {
    checkRaster(img, `tileImages: image ${i}`);
    if (img.width !== w || img.height !== h || img.channels !== channels) {
      throw new RangeError(
        `tileImages: image ${i} is ${img.width}×${img.height}×${img.channels}, image 0 is ${w}×${h}×${channels}`,
      );
    }
  });
  const columns = opts.columns ?? Math.ceil(Math.sqrt(images.length));
  const gutter = opts.gutter ?? 1;
  const background = opts.background ?? 255;
  if (!Number.isInteger(columns) || columns < 1)
    throw new RangeError(`tileImages: columns ${columns} must be a positive integer`);
  if (gutter !== 1 && gutter !== 2)
    throw new RangeError(`tileImages: gutter ${String(gutter)} must be 1 or 2 px`);
  if (!Number.isInteger(background) || background < 0 || background > 255)
    throw new RangeError(`tileImages: background ${background} must be an integer 0–255`);

  const cols = Math.min(columns, images.length);
  const rows = Math.ceil(images.length / cols);
  const width = cols * w + (cols - 1) * gutter;
  const height = rows * h + (rows - 1) * gutter;
  const data = new Uint8Array(width * height * channels).fill(background);
  const rowBytes = w * channels;
  images.forEach((img, i) => {
    const x0 = (i % cols) * (w + gutter);
    const y0 = Math.floor(i / cols) * (h + gutter);
    for (let y = 0; y < h; y++)
      data.set(img.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((y0 + y) * width + x0) * channels);
  });
  return { width, height, channels, data };
}

/** Gutter between grid tiles, in image pixels. */
export const GUTTER = 1;

/** The `index`-th image of a batch, without copying. */
export function imageOf(batch: ImageBatch, index: number): RasterImage {
  const size = batch.height * batch.width * batch.channels;
  return {
    width: batch.width,
    height: batch.height,
    channels: batch.channels,
    data: batch.data.subarray(index * size, (index + 1) * size),
  };
}

/** Picks images by index into a new batch (the forward view's selection, a followed sample). */
export function selectImages(batch: ImageBatch, indices: readonly number[]): ImageBatch {
  const size = batch.height * batch.width * batch.channels;
  const data = new Uint8Array(indices.length * size);
  indices.forEach((i, k) => data.set(imageOf(batch, i).data, k * size));
  return { ...batch, data, count: indices.length };
}

/** The batch as one grid image, `columns` wide (default: the squarest layout). */
export function batchGrid(batch: ImageBatch, columns?: number): RasterImage {
  const images = Array.from({ length: batch.count }, (_, i) => imageOf(batch, i));
  return tileImages(images, { columns, gutter: GUTTER, background: 255 });
}
