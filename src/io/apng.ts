/**
 * Animated PNG (APNG 1.0): IHDR, `acTL` (frame count, plays), then per frame an `fcTL` (full-size
 * region, delay in ms as `delay_num/1000`, dispose none, blend source) followed by the frame's
 * data, in IDAT for the first frame (which is also what viewers without APNG support show) and in
 * `fdAT` after that. Frames: 8-bit, 1–4 channels, all of one size; delays 0–65 535 ms.
 * Sequence numbers run over fcTL and fdAT together from 0, as the spec requires.
 */
import type { DeflateOptions } from 'fflate';
import { checkFrames } from './animation';
import type { AnimationOptions } from './animation';
import { concatBytes } from './bytes';
import type { RasterImage } from './image';
import { pngHeader, pngImageData } from './png';
import { PNG_SIGNATURE, pngChunk } from './pngChunks';

/** Encodes frames as an animated PNG; throws `RangeError` for mismatched frames or bad delays. */
export function encodeApng(
  frames: readonly RasterImage[],
  opts: AnimationOptions & { level?: DeflateOptions['level'] },
): Uint8Array {
  const delays = checkFrames(frames, opts, 'encodeApng', 0xffff);
  const { width, height, channels } = frames[0];
  const actl = new Uint8Array(8);
  new DataView(actl.buffer).setUint32(0, frames.length);
  new DataView(actl.buffer).setUint32(4, opts.loop === false ? 1 : 0);
  const parts = [PNG_SIGNATURE, pngHeader(width, height, channels), pngChunk('acTL', actl)];
  let sequence = 0;
  frames.forEach((frame, i) => {
    const fctl = new Uint8Array(26);
    const view = new DataView(fctl.buffer);
    view.setUint32(0, sequence++);
    view.setUint32(4, width);
    view.setUint32(8, height);
    view.setUint16(20, Math.round(delays[i]));
    view.setUint16(22, 1000);
    parts.push(pngChunk('fcTL', fctl));
    const data = pngImageData(frame, opts.level);
    if (i === 0) parts.push(pngChunk('IDAT', data));
    else {
      const fdat = new Uint8Array(4 + data.length);
      new DataView(fdat.buffer).setUint32(0, sequence++);
      fdat.set(data, 4);
      parts.push(pngChunk('fdAT', fdat));
    }
    opts.onFrame?.(i + 1, frames.length);
  });
  parts.push(pngChunk('IEND', new Uint8Array(0)));
  return concatBytes(parts);
}
