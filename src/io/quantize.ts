/**
 * Colour reduction for GIF: turns 8-bit gray or RGB frames into palette indices over one shared
 * palette of at most 256 colours. Gray frames get the 256-level gray palette (exact); RGB frames
 * with at most 256 distinct colours across all frames get exactly those (exact); otherwise median
 * cut (Heckbert 1982) over the colour histogram of all frames picks the palette. A fixed palette
 * can be given instead, and every pixel then takes its nearest entry (squared RGB distance).
 */
import type { RasterImage } from './image';

/** Frames as palette indices: `palette` holds RGB triplets, `indices[f][y * width + x]`. */
export interface IndexedFrames {
  palette: Uint8Array;
  indices: Uint8Array[];
}

const MAX_COLORS = 256;

/** Maps gray (1-channel) or RGB (3-channel) frames onto one palette; see the module comment. */
export function indexFrames(frames: readonly RasterImage[], fixedPalette?: Uint8Array): IndexedFrames {
  if (fixedPalette) return mapToPalette(frames, checkPalette(fixedPalette));
  if (frames[0].channels === 1) {
    const palette = Uint8Array.from({ length: 3 * MAX_COLORS }, (_, i) => Math.floor(i / 3));
    return { palette, indices: frames.map((f) => f.data) };
  }
  const histogram = new Map<number, number>();
  for (const f of frames)
    for (let i = 0; i < f.data.length; i += 3) {
      const rgb = (f.data[i] << 16) | (f.data[i + 1] << 8) | f.data[i + 2];
      histogram.set(rgb, (histogram.get(rgb) ?? 0) + 1);
    }
  const { palette, indexOf } = histogram.size <= MAX_COLORS ? exactPalette(histogram) : medianCut(histogram);
  const indices = frames.map((f) => {
    const out = new Uint8Array(f.width * f.height);
    for (let p = 0; p < out.length; p++)
      out[p] = indexOf.get((f.data[3 * p] << 16) | (f.data[3 * p + 1] << 8) | f.data[3 * p + 2])!;
    return out;
  });
  return { palette, indices };
}

function checkPalette(palette: Uint8Array): Uint8Array {
  if (palette.length === 0 || palette.length % 3 !== 0 || palette.length > 3 * MAX_COLORS) {
    throw new RangeError(`palette of ${palette.length} bytes must hold 1–256 RGB triplets`);
  }
  return palette;
}

function exactPalette(histogram: Map<number, number>): { palette: Uint8Array; indexOf: Map<number, number> } {
  const colors = [...histogram.keys()].sort((a, b) => a - b);
  const palette = new Uint8Array(3 * colors.length);
  colors.forEach((c, i) => palette.set([c >> 16, (c >> 8) & 0xff, c & 0xff], 3 * i));
  return { palette, indexOf: new Map(colors.map((c, i) => [c, i])) };
}

function medianCut(histogram: Map<number, number>): { palette: Uint8Array; indexOf: Map<number, number> } {
  const colors = Int32Array.from(histogram.keys());
  const counts = Float64Array.from(histogram.values());
  const channel = (i: number, ch: number) => (colors[i] >> (16 - 8 * ch)) & 0xff;
  const order = Int32Array.from(colors, (_, i) => i);
  const boxes: { start: number; end: number; spread: number; axis: number }[] = [];
  const addBox = (start: number, end: number) => {
    let spread = -1;
    let axis = 0;
    for (let ch = 0; ch < 3; ch++) {
      let lo = 255;
      let hi = 0;
      for (let k = start; k < end; k++) {
        const v = channel(order[k], ch);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (hi - lo > spread) [spread, axis] = [hi - lo, ch];
    }
    boxes.push({ start, end, spread, axis });
  };
  addBox(0, colors.length);
  while (boxes.length < MAX_COLORS) {
    // Split the box with the widest colour range along that range, at the pixel-weighted median.
    let pick = -1;
    for (let b = 0; b < boxes.length; b++)
      if (boxes[b].end - boxes[b].start > 1 && (pick < 0 || boxes[b].spread > boxes[pick].spread)) pick = b;
    if (pick < 0) break;
    const { start, end, axis } = boxes[pick];
    order.subarray(start, end).sort((a, b) => channel(a, axis) - channel(b, axis));
    let total = 0;
    for (let k = start; k < end; k++) total += counts[order[k]];
    let split = start + 1;
    for (let acc = counts[order[start]]; split < end - 1 && acc < total / 2; split++)
      acc += counts[order[split]];
    boxes.splice(pick, 1);
    addBox(start, split);
    addBox(split, end);
  }
  const palette = new Uint8Array(3 * boxes.length);
  const indexOf = new Map<number, number>();
  boxes.forEach(({ start, end }, b) => {
    const sum = [0, 0, 0];
    let weight = 0;
    for (let k = start; k < end; k++) {
      const i = order[k];
      for (let ch = 0; ch < 3; ch++) sum[ch] += channel(i, ch) * counts[i];
      weight += counts[i];
      indexOf.set(colors[i], b);
    }
    palette.set(
      sum.map((s) => Math.round(s / weight)),
      3 * b,
    );
  });
  return { palette, indexOf };
}

function mapToPalette(frames: readonly RasterImage[], palette: Uint8Array): IndexedFrames {
  const cache = new Map<number, number>();
  const nearest = (r: number, g: number, b: number) => {
    const key = (r << 16) | (g << 8) | b;
    let best = cache.get(key);
    if (best !== undefined) return best;
    let bestDistance = Infinity;
    for (let e = 0; e < palette.length / 3; e++) {
      const d = (palette[3 * e] - r) ** 2 + (palette[3 * e + 1] - g) ** 2 + (palette[3 * e + 2] - b) ** 2;
      if (d < bestDistance) [bestDistance, best] = [d, e];
    }
    cache.set(key, best!);
    return best!;
  };
  const indices = frames.map((f) => {
    const c = f.channels;
    const out = new Uint8Array(f.width * f.height);
    for (let p = 0; p < out.length; p++)
      out[p] =
        c === 1
          ? nearest(f.data[p], f.data[p], f.data[p])
          : nearest(f.data[3 * p], f.data[3 * p + 1], f.data[3 * p + 2]);
    return out;
  });
  return { palette, indices };
}
