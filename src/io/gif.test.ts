import { encodeGif } from './gif';
import type { RasterImage } from './image';

interface DecodedGif {
  width: number;
  height: number;
  palette: Uint8Array;
  loops: boolean;
  frames: { delayCs: number; indices: Uint8Array; clears: number }[];
}

/** A minimal GIF decoder written from the GIF89a spec, independent of the encoder. */
function decodeGif(bytes: Uint8Array): DecodedGif {
  let p = 0;
  const byte = () => bytes[p++];
  const u16 = () => byte() | (byte() << 8);
  expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('GIF89a');
  p = 6;
  const width = u16();
  const height = u16();
  const packed = byte();
  p += 2;
  expect(packed & 0x80).toBe(0x80);
  const palette = bytes.slice(p, p + 3 * (2 << (packed & 7)));
  p += palette.length;
  const frames: DecodedGif['frames'] = [];
  let loops = false;
  let delayCs = -1;
  const blocks = () => {
    const parts: number[] = [];
    for (let n = byte(); n > 0; n = byte()) for (let i = 0; i < n; i++) parts.push(byte());
    return Uint8Array.from(parts);
  };
  for (;;) {
    const intro = byte();
    if (intro === 0x3b) break;
    if (intro === 0x21) {
      const label = byte();
      const body = blocks();
      if (label === 0xf9) delayCs = body[1] | (body[2] << 8);
      if (label === 0xff && new TextDecoder().decode(body.subarray(0, 11)) === 'NETSCAPE2.0') loops = true;
      continue;
    }
    expect(intro).toBe(0x2c);
    p += 4;
    expect([u16(), u16(), byte()]).toEqual([width, height, 0]);
    const minCodeSize = byte();
    frames.push({ delayCs, ...lzwDecode(blocks(), minCodeSize, width * height) });
  }
  expect(p).toBe(bytes.length);
  return { width, height, palette, loops, frames };
}

function lzwDecode(
  data: Uint8Array,
  minCodeSize: number,
  pixels: number,
): { indices: Uint8Array; clears: number } {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  let dict: number[][] = [];
  let size = minCodeSize + 1;
  const reset = () => {
    dict = Array.from({ length: eoi + 1 }, (_, i) => [i]);
    size = minCodeSize + 1;
  };
  reset();
  const out: number[] = [];
  let bit = 0;
  let prev: number[] | null = null;
  let clears = 0;
  for (;;) {
    let code = 0;
    for (let i = 0; i < size; i++, bit++) code |= ((data[bit >> 3] >> (bit & 7)) & 1) << i;
    if (code === clear) {
      clears++;
      reset();
      prev = null;
      continue;
    }
    if (code === eoi) break;
    let entry: number[];
    if (code < dict.length) entry = dict[code];
    else if (code === dict.length && prev) entry = [...prev, prev[0]];
    else throw new Error(`bad LZW code ${code} with ${dict.length} entries`);
    if (prev) dict.push([...prev, entry[0]]);
    if (dict.length === 1 << size && size < 12) size++;
    out.push(...entry);
    prev = entry;
  }
  expect(out.length).toBe(pixels);
  return { indices: Uint8Array.from(out), clears };
}

const image = (
  w: number,
  h: number,
  channels: 1 | 3,
  f: (x: number, y: number, c: number) => number,
): RasterImage => ({
  width: w,
  height: h,
  channels,
  data: Uint8Array.from(
    { length: w * h * channels },
    (_, i) => f(Math.floor(i / channels) % w, Math.floor(i / channels / w), i % channels) & 0xff,
  ),
});
const pixels = (g: DecodedGif, frame: number) =>
  Array.from(g.frames[frame].indices, (i) => Array.from(g.palette.subarray(3 * i, 3 * i + 3))).flat();
const rgbAt = (g: DecodedGif, frame: number, p: number) =>
  Array.from(g.palette.subarray(3 * g.frames[frame].indices[p], 3 * g.frames[frame].indices[p] + 3));

describe('encodeGif', () => {
  it('stores gray frames exactly, through table resets of the 12-bit LZW', () => {
    // Noise keeps the LZW table filling up, so the encoder must emit clear codes mid-frame.
    const noise = image(96, 80, 1, (x, y) => (((x * 7919 + y * 104729) ^ (x * y)) * 2654435761) >>> 24);
    const ramp = image(96, 80, 1, (x, y) => x + y);
    const gif = decodeGif(encodeGif([noise, ramp], { delaysMs: [100, 250] }));
    expect([gif.width, gif.height, gif.frames.length, gif.loops]).toEqual([96, 80, 2, true]);
    expect(gif.frames.map((f) => f.delayCs)).toEqual([10, 25]);
    expect(gif.frames[0].clears).toBeGreaterThan(1);
    [noise, ramp].forEach((img, f) =>
      expect(pixels(gif, f)).toEqual(Array.from(img.data, (v) => [v, v, v]).flat()),
    );
  });
  it('reports each encoded frame, for a progress bar', () => {
    const done: [number, number][] = [];
    const frames = [0, 1, 2].map((k) => image(4, 4, 1, (x) => x * 10 + k));
    encodeGif(frames, { delaysMs: 50, onFrame: (n, total) => done.push([n, total]) });
    expect(done).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });
  it('stores RGB frames exactly when all frames together use at most 256 colours', () => {
    const a = image(20, 10, 3, (x, y, c) => [x * 12, y * 25, 7][c]);
    const b = image(20, 10, 3, (x, y, c) => [x * 12, 250 - y * 25, 7][c]);
    const gif = decodeGif(encodeGif([a, b], { delaysMs: 40 }));
    expect(gif.palette.length).toBe(3 * 256);
    [a, b].forEach((img, f) => expect(pixels(gif, f)).toEqual(Array.from(img.data)));
  });
  it('quantises many colours with median cut to a close palette', () => {
    const img = image(64, 64, 3, (x, y, c) => [x * 4, y * 4, (x + y) * 2][c]);
    const gif = decodeGif(encodeGif([img], { delaysMs: 40 }));
    let error = 0;
    for (let p = 0; p < 64 * 64; p++) {
      const got = rgbAt(gif, 0, p);
      for (let c = 0; c < 3; c++) error += Math.abs(got[c] - img.data[3 * p + c]);
    }
    expect(error / (64 * 64 * 3)).toBeLessThan(6);
  });
  it('maps every pixel to its nearest entry of a fixed palette', () => {
    const palette = new Uint8Array([0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255, 30, 200, 30]);
    const img = image(16, 16, 3, (x, y, c) => (x * 53 + y * 97 + c * 151) % 256);
    const gif = decodeGif(encodeGif([img], { delaysMs: 40, palette }));
    for (let p = 0; p < 256; p++) {
      const px = Array.from(img.data.subarray(3 * p, 3 * p + 3));
      const distances = [0, 1, 2, 3, 4].map((e) =>
        px.reduce((s, v, c) => s + (v - palette[3 * e + c]) ** 2, 0),
      );
      expect(distances[gif.frames[0].indices[p]]).toBe(Math.min(...distances));
    }
  });
  it('plays once without the NETSCAPE block, raises tiny delays to 20 ms, handles a 1×1 frame', () => {
    const dot = image(1, 1, 1, () => 9);
    const gif = decodeGif(encodeGif([dot, dot], { delaysMs: [0, 14], loop: false }));
    expect(gif.loops).toBe(false);
    expect(gif.frames.map((f) => f.delayCs)).toEqual([2, 2]);
    expect(rgbAt(gif, 1, 0)).toEqual([9, 9, 9]);
  });
  it('rejects frames GIF cannot hold', () => {
    const rgba = { width: 2, height: 2, channels: 4 as const, data: new Uint8Array(16) };
    expect(() => encodeGif([rgba], { delaysMs: 10 })).toThrow(
      /encodeGif: frames have 4 channels; GIF takes gray \(1\) or RGB \(3\)/,
    );
    const wide = { width: 70_000, height: 1, channels: 1 as const, data: new Uint8Array(70_000) };
    expect(() => encodeGif([wide], { delaysMs: 10 })).toThrow(
      /70000×1 is larger than GIF's 65535 px per side/,
    );
    const one = image(1, 1, 3, () => 0);
    expect(() => encodeGif([one], { delaysMs: 10, palette: new Uint8Array(4) })).toThrow(
      /palette of 4 bytes must hold 1–256 RGB triplets/,
    );
    expect(() => encodeGif([one], { delaysMs: -1 })).toThrow(/delay -1 ms of frame 0/);
  });
});
