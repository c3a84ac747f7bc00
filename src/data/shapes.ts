/**
 * Shapes: procedural RGB images of a coloured circle, square or triangle, or a patch of stripes,
 * on a solid or gradient background; the class is the shape kind. Image `i` depends only on
 * `(seed, i)`, so any count of a seed is a prefix of a larger count, and nothing is downloaded.
 */
import type { Dataset } from './types';
import { DatasetError } from './errors';

export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'stripes'];

export interface ShapesOptions {
  count: number;
  seed: number;
  /** Side in pixels (default 32). */
  size?: number;
}

/** Samples per pixel side: 4×4 coverage gives edges 17 grey levels, which a DDPM has to learn. */
const SUPER = 4;

/** splitmix32: a tiny, well-mixed PRNG with a 32-bit state, seeded per image. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

type Rgb = [number, number, number];

function randomColour(rand: () => number): Rgb {
  return [rand() * 255, rand() * 255, rand() * 255];
}

/** A shape colour far enough from the background (RGB distance > 120) to be visible. */
function contrasting(rand: () => number, bg: Rgb): Rgb {
  for (let tries = 0; tries < 16; tries++) {
    const c = randomColour(rand);
    if (Math.hypot(c[0] - bg[0], c[1] - bg[1], c[2] - bg[2]) > 120) return c;
  }
  return [255 - bg[0], 255 - bg[1], 255 - bg[2]];
}

/** Inside test in unit coordinates (u, v) ∈ [0, 1)² for one shape kind. */
function shapeTest(kind: number, rand: () => number): (u: number, v: number) => boolean {
  const cx = 0.3 + 0.4 * rand();
  const cy = 0.3 + 0.4 * rand();
  const r = 0.16 + 0.14 * rand();
  const angle = rand() * 2 * Math.PI;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const local = (u: number, v: number): [number, number] => [
    (u - cx) * cos + (v - cy) * sin,
    -(u - cx) * sin + (v - cy) * cos,
  ];
  switch (kind) {
    case 0:
      return (u, v) => (u - cx) ** 2 + (v - cy) ** 2 < r * r;
    case 1:
      return (u, v) => {
        const [x, y] = local(u, v);
        return Math.abs(x) < r * 0.85 && Math.abs(y) < r * 0.85;
      };
    case 2:
      // Equilateral triangle with inradius 0.6 r (circumradius 1.2 r), about as big as the square.
      return (u, v) => {
        const [x, y] = local(u, v);
        for (let k = 0; k < 3; k++) {
          const a = (2 * Math.PI * k) / 3;
          if (x * Math.cos(a) + y * Math.sin(a) > r * 0.6) return false;
        }
        return true;
      };
    default: {
      // Stripes fill a disc-bounded patch so that, like the other kinds, the background shows around them.
      const period = 0.1 + 0.06 * rand();
      return (u, v) => {
        const [x] = local(u, v);
        return (u - cx) ** 2 + (v - cy) ** 2 < (r * 1.3) ** 2 && (((x / period) % 1) + 1) % 1 < 0.5;
      };
    }
  }
}

function drawImage(out: Uint8Array, at: number, size: number, kind: number, rand: () => number): void {
  const bgA = randomColour(rand);
  const gradient = rand() < 0.5;
  const bgB = gradient ? randomColour(rand) : bgA;
  const gAngle = rand() * 2 * Math.PI;
  const fg = contrasting(rand, bgA);
  const inside = shapeTest(kind, rand);
  // Pixel corners first: a pixel whose four corners agree is wholly inside or outside (features
  // are wider than a pixel's diagonal), so only edge pixels pay for supersampling.
  const side = size + 1;
  const corners = new Uint8Array(side * side);
  for (let y = 0; y <= size; y++)
    for (let x = 0; x <= size; x++) corners[y * side + x] = inside(x / size, y / size) ? 1 : 0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const k = y * side + x;
      const sum = corners[k] + corners[k + 1] + corners[k + side] + corners[k + side + 1];
      let cover = sum / 4;
      if (sum !== 0 && sum !== 4) {
        let hits = 0;
        for (let sy = 0; sy < SUPER; sy++)
          for (let sx = 0; sx < SUPER; sx++)
            if (inside((x + (sx + 0.5) / SUPER) / size, (y + (sy + 0.5) / SUPER) / size)) hits++;
        cover = hits / (SUPER * SUPER);
      }
      const g =
        0.5 + ((x / size - 0.5) * Math.cos(gAngle) + (y / size - 0.5) * Math.sin(gAngle)) / Math.SQRT2;
      const o = at + (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const bg = bgA[c] + (bgB[c] - bgA[c]) * g;
        out[o + c] = Math.round(bg + (fg[c] - bg) * cover);
      }
    }
}

/** Generates `count` Shapes images; classes cycle (image i is class i mod 4), so they stay balanced. */
export function generateShapes(options: ShapesOptions): Dataset {
  const { count, seed, size = 32 } = options;
  if (!Number.isInteger(count) || count < 1 || count > 100_000)
    throw new DatasetError('shapes', `count ${count} must be an integer from 1 to 100,000`);
  if (!Number.isInteger(size) || size < 4 || size > 256)
    throw new DatasetError('shapes', `size ${size} must be an integer from 4 to 256`);
  if (!Number.isInteger(seed)) throw new DatasetError('shapes', `seed ${seed} must be an integer`);
  const bytes = size * size * 3;
  const images = new Uint8Array(count * bytes);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const kind = i % SHAPE_CLASSES.length;
    labels[i] = kind;
    drawImage(
      images,
      i * bytes,
      size,
      kind,
      prng(Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(i, 0x9e3779b1)),
    );
  }
  return {
    name: 'shapes',
    images,
    labels,
    count,
    height: size,
    width: size,
    channels: 3,
    classNames: [...SHAPE_CLASSES],
    allowsFlip: true,
    split: 'train',
  };
}
