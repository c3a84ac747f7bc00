/**
 * Geometry on uint8 HWC images: centre crop, zero padding and area resampling. Area resampling
 * averages each output pixel's footprint with fractional weights, so downscaling never aliases
 * and a 2× reduction is exactly a 2×2 mean.
 */
import type { Dataset } from './types';
import { DatasetError } from './errors';

/** An image in HWC bytes. */
export interface Pixels {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** The largest centred square of an image (photos become the square the model trains on). */
export function centreCropSquare(img: Pixels): Pixels {
  const side = Math.min(img.height, img.width);
  if (side === img.height && side === img.width) return img;
  const top = Math.floor((img.height - side) / 2);
  const left = Math.floor((img.width - side) / 2);
  const c = img.channels;
  const out = new Uint8Array(side * side * c);
  for (let y = 0; y < side; y++)
    out.set(
      img.data.subarray(((top + y) * img.width + left) * c, ((top + y) * img.width + left + side) * c),
      y * side * c,
    );
  return { data: out, height: side, width: side, channels: c };
}

/** Sparse 1-D weights: output i takes `weights[k]` of input `start[i] + k` for its span. */
interface AxisWeights {
  start: Int32Array;
  span: Int32Array;
  weights: Float64Array[];
}

/** Box-filter weights for one axis: the overlap of each output cell with each input cell. */
function areaWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const span = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const lo = i * scale;
    const hi = (i + 1) * scale;
    const first = Math.floor(lo);
    const last = Math.min(inSize, Math.ceil(hi - 1e-9));
    const w = new Float64Array(last - first);
    for (let j = first; j < last; j++) w[j - first] = (Math.min(hi, j + 1) - Math.max(lo, j)) / scale;
    start[i] = first;
    span[i] = last - first;
    weights.push(w);
  }
  return { start, span, weights };
}

/** Area resampling to `height×width`, rounding to the nearest byte. */
export function areaResize(img: Pixels, height: number, width: number): Pixels {
  if (img.height === height && img.width === width) return img;
  const c = img.channels;
  const wy = areaWeights(img.height, height);
  const wx = areaWeights(img.width, width);
  // Rows first into float, then columns: separable, so the cost is per axis, not per footprint.
  const rows = new Float64Array(height * img.width * c);
  for (let y = 0; y < height; y++) {
    const w = wy.weights[y];
    for (let k = 0; k < wy.span[y]; k++) {
      const src = (wy.start[y] + k) * img.width * c;
      const dst = y * img.width * c;
      for (let i = 0; i < img.width * c; i++) rows[dst + i] += w[k] * img.data[src + i];
    }
  }
  const out = new Uint8Array(height * width * c);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const w = wx.weights[x];
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let k = 0; k < wx.span[x]; k++) sum += w[k] * rows[(y * img.width + wx.start[x] + k) * c + ch];
        out[(y * width + x) * c + ch] = Math.min(255, Math.round(sum));
      }
    }
  return { data: out, height, width, channels: c };
}

/** Centres an image on a larger zero (background) canvas. */
export function padTo(img: Pixels, height: number, width: number): Pixels {
  const top = Math.floor((height - img.height) / 2);
  const left = Math.floor((width - img.width) / 2);
  const c = img.channels;
  const out = new Uint8Array(height * width * c);
  for (let y = 0; y < img.height; y++)
    out.set(img.data.subarray(y * img.width * c, (y + 1) * img.width * c), ((top + y) * width + left) * c);
  return { data: out, height, width, channels: c };
}

/** How `padOrResize` fits images: pad smaller ones, resize, or pick (pad if they fit, else resize). */
export type FitMode = 'auto' | 'pad' | 'resize';

/**
 * Fits every image of a dataset to `size×size`: 28×28 digits are padded with background 0 to
 * 32×32 (strokes keep their exact pixels), or centre-cropped and area-resized when asked or when
 * the images are larger than `size`.
 */
export function padOrResize(ds: Dataset, size: number, mode: FitMode = 'auto'): Dataset {
  if (!Number.isInteger(size) || size < 1)
    throw new DatasetError(ds.name, `target size ${size} is not a positive integer`);
  if (ds.height === size && ds.width === size) return ds;
  const fits = ds.height <= size && ds.width <= size;
  if (mode === 'pad' && !fits)
    throw new DatasetError(
      ds.name,
      `${ds.height}×${ds.width} images cannot be padded to ${size}×${size}; resize them instead`,
    );
  const pad = mode === 'pad' || (mode === 'auto' && fits);
  const c = ds.channels;
  const inBytes = ds.height * ds.width * c;
  const images = new Uint8Array(ds.count * size * size * c);
  for (let i = 0; i < ds.count; i++) {
    const img = {
      data: ds.images.subarray(i * inBytes, (i + 1) * inBytes),
      height: ds.height,
      width: ds.width,
      channels: c,
    };
    const fitted = pad ? padTo(img, size, size) : areaResize(centreCropSquare(img), size, size);
    images.set(fitted.data, i * size * size * c);
  }
  return { ...ds, images, height: size, width: size };
}
