/**
 * Images to what a canvas draws: RGBA bytes. Grids of a batch come from `src/io/imageGrid`'s
 * `batchGrid`, the same tiling the PNG export uses, so what is saved is what is shown.
 */
import type { ImageBatch, RasterImage } from '../io/image';

/** Gray or RGB bytes to RGBA for `ImageData`. */
export function toRgba(image: RasterImage): Uint8ClampedArray<ArrayBuffer> {
  const n = image.width * image.height;
  const out = new Uint8ClampedArray(n * 4);
  const src = image.data;
  const c = image.channels;
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    if (c === 1 || c === 2) {
      out[o] = out[o + 1] = out[o + 2] = src[p * c];
      out[o + 3] = c === 2 ? src[p * c + 1] : 255;
    } else {
      out[o] = src[p * c];
      out[o + 1] = src[p * c + 1];
      out[o + 2] = src[p * c + 2];
      out[o + 3] = c === 4 ? src[p * c + 3] : 255;
    }
  }
  return out;
}

/** Draws an image at its natural size; CSS scales the canvas up with `image-rendering: pixelated`. */
export function drawRaster(canvas: HTMLCanvasElement, image: RasterImage): void {
  if (canvas.width !== image.width) canvas.width = image.width;
  if (canvas.height !== image.height) canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.putImageData(new ImageData(toRgba(image), image.width, image.height), 0, 0);
}

/**
 * Each image stretched to its own min–max (the learner's display, `sampling.displayMinMax`): any
 * range or offset maps onto 0..255, which is exactly what hides a range error. A flat image stays.
 */
export function minMaxStretch(batch: ImageBatch): ImageBatch {
  const per = batch.height * batch.width * batch.channels;
  const data = new Uint8Array(batch.data.length);
  for (let i = 0; i < batch.count; i++) {
    const img = batch.data.subarray(i * per, (i + 1) * per);
    let lo = 255;
    let hi = 0;
    for (const v of img) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    for (let k = 0; k < per; k++) data[i * per + k] = hi > lo ? Math.round((img[k] - lo) * scale) : img[k];
  }
  return { ...batch, data };
}
