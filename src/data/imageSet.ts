/**
 * A set of PNG/JPEG/WebP images (picked files, a folder, or a zip) → dataset. The class is the
 * image's folder (`cats/01.png` → "cats", as torchvision's ImageFolder does) and a `train/` or
 * `test/` folder anywhere in the path picks the split.
 */
import type { Dataset, DatasetPair } from './types';
import type { DecodeImage } from './decode';
import type { Pixels } from './resize';
import { DatasetError } from './errors';
import { areaResize, centreCropSquare } from './resize';

/** An encoded image file: `file` names it in messages, `path` (inside its folder or zip) gives its class. */
export interface ImageFile {
  file: string;
  path: string;
  bytes: Uint8Array;
}

export interface ImageSetOptions {
  decodeImage: DecodeImage;
  /** Side of the square the images are centre-cropped and area-resized to; without it, all images must share one size. */
  size?: number;
  /** Forces grayscale or RGB; by default grayscale when every pixel of every image is gray. */
  channels?: 1 | 3;
  /** Default true: photos stay photos when mirrored. */
  allowsFlip?: boolean;
}

/** Class name of images that sit in no folder. */
export const UNFOLDERED_CLASS = 'all';

/** Split and class from a path's folders: the last folder that is not `train`/`test` is the class. */
export function classifyPath(path: string): { split: 'train' | 'test'; className: string } {
  const folders = path.split('/').slice(0, -1);
  const isSplit = (f: string) => /^(train|test)$/i.test(f);
  const splitFolder = [...folders].reverse().find(isSplit);
  const classFolder = [...folders].reverse().find((f) => f !== '' && !isSplit(f));
  return {
    split: splitFolder?.toLowerCase() === 'test' ? 'test' : 'train',
    className: classFolder ?? UNFOLDERED_CLASS,
  };
}

interface Decoded {
  file: string;
  split: 'train' | 'test';
  className: string;
  rgb: Pixels;
  gray: boolean;
}

/** Decodes, fits and labels the images; undecodable ones are skipped and reported in `warnings`. */
export async function assembleImageSet(
  name: string,
  files: readonly ImageFile[],
  options: ImageSetOptions,
  warnings: string[],
): Promise<DatasetPair> {
  const { size } = options;
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > 1024))
    throw new DatasetError(name, `image size ${size} must be an integer from 1 to 1024`);
  const decoded: Decoded[] = [];
  const failed: string[] = [];
  let firstFailure = '';
  for (const f of files) {
    let rgba;
    try {
      rgba = await options.decodeImage(f.bytes, f.file);
    } catch (e) {
      if (failed.length === 0) firstFailure = `${f.file}: ${e instanceof Error ? e.message : String(e)}`;
      failed.push(f.file);
      continue;
    }
    let rgb = toRgb(rgba.data, rgba.height, rgba.width);
    if (size !== undefined) rgb = areaResize(centreCropSquare(rgb), size, size);
    else if (
      decoded.length > 0 &&
      (rgb.height !== decoded[0].rgb.height || rgb.width !== decoded[0].rgb.width)
    )
      throw new DatasetError(
        name,
        `images have mixed sizes (${decoded[0].file} is ${decoded[0].rgb.width}×${decoded[0].rgb.height}, ${f.file} is ${rgb.width}×${rgb.height}); choose a size to resize them to`,
      );
    decoded.push({ file: f.file, ...classifyPath(f.path), rgb, gray: isGray(rgb.data) });
  }
  if (failed.length > 0)
    warnings.push(
      `${listWarning(`skipped ${failed.length} image file(s) that could not be decoded`, failed)} (${firstFailure})`,
    );
  if (decoded.length === 0)
    throw new DatasetError(
      name,
      `holds no usable images (${files.length} image file(s), none decodable; ${firstFailure})`,
    );

  const classNames = [...new Set(decoded.map((d) => d.className))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  if (classNames.length > 256)
    throw new DatasetError(name, `has ${classNames.length} class folders; at most 256 are supported`);
  const channels = options.channels ?? (decoded.every((d) => d.gray) ? 1 : 3);
  const { height, width } = decoded[0].rgb;
  const make = (split: 'train' | 'test'): Dataset | undefined => {
    const items = decoded.filter((d) => d.split === split);
    if (items.length === 0) return undefined;
    const bytes = height * width * channels;
    const images = new Uint8Array(items.length * bytes);
    items.forEach((d, i) => images.set(channels === 3 ? d.rgb.data : toGray(d.rgb.data), i * bytes));
    const labels = Uint8Array.from(items, (d) => classNames.indexOf(d.className));
    return {
      name,
      images,
      labels,
      count: items.length,
      height,
      width,
      channels,
      classNames,
      allowsFlip: options.allowsFlip ?? true,
      split,
    };
  };
  const train = make('train');
  const test = make('test');
  if (!train) return { train: { ...(test as Dataset), split: 'train' } };
  return test ? { train, test } : { train };
}

/** RGBA → RGB over a black background, so transparent pixels read as background 0. */
function toRgb(rgba: Uint8Array | Uint8ClampedArray, height: number, width: number): Pixels {
  const n = height * width;
  if (rgba.length !== n * 4)
    throw new Error(`decoder returned ${rgba.length} bytes for ${width}×${height} RGBA`);
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const a = rgba[p * 4 + 3];
    for (let c = 0; c < 3; c++)
      out[p * 3 + c] = a === 255 ? rgba[p * 4 + c] : Math.round((rgba[p * 4 + c] * a) / 255);
  }
  return { data: out, height, width, channels: 3 };
}

function isGray(rgb: Uint8Array): boolean {
  for (let i = 0; i < rgb.length; i += 3) if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) return false;
  return true;
}

/** ITU-R BT.601 luma, the weights PIL's "L" mode and most grayscale conversions use. */
function toGray(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let p = 0; p < out.length; p++)
    out[p] = Math.round(0.299 * rgb[p * 3] + 0.587 * rgb[p * 3 + 1] + 0.114 * rgb[p * 3 + 2]);
  return out;
}

/** A warning that lists a few file names and counts the rest. */
export function listWarning(what: string, files: readonly string[]): string {
  const shown = files.slice(0, 5).join(', ');
  return `${what}: ${shown}${files.length > 5 ? ` and ${files.length - 5} more` : ''}`;
}
