import { encodeApng } from './apng';
import type { RasterImage } from './image';
import { decodePng } from './png';
import { PNG_SIGNATURE, pngChunk, readPngChunks } from './pngChunks';

const frame = (seed: number, channels: 1 | 2 | 3 | 4 = 3): RasterImage => ({
  width: 6,
  height: 4,
  channels,
  data: Uint8Array.from({ length: 6 * 4 * channels }, (_, i) => (i * 37 + seed * 101) & 0xff),
});
const u32 = (d: Uint8Array, at: number) => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(at);
const u16 = (d: Uint8Array, at: number) => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint16(at);

describe('encodeApng', () => {
  const frames = [frame(0), frame(1), frame(2)];
  const bytes = encodeApng(frames, { delaysMs: [100, 40, 1500] });
  const chunks = readPngChunks(bytes);

  it('lays out IHDR, acTL, then fcTL + IDAT/fdAT per frame with one running sequence number', () => {
    expect(chunks.map((c) => c.type)).toEqual([
      'IHDR',
      'acTL',
      'fcTL',
      'IDAT',
      'fcTL',
      'fdAT',
      'fcTL',
      'fdAT',
      'IEND',
    ]);
    expect([u32(chunks[1].data, 0), u32(chunks[1].data, 4)]).toEqual([3, 0]);
    const sequence = chunks.filter((c) => c.type === 'fcTL' || c.type === 'fdAT').map((c) => u32(c.data, 0));
    expect(sequence).toEqual([0, 1, 2, 3, 4]);
  });
  it('reports each encoded frame, for a progress bar', () => {
    const done: number[] = [];
    encodeApng(frames, { delaysMs: 10, onFrame: (n, total) => done.push(n / total) });
    expect(done).toEqual([1 / 3, 2 / 3, 1]);
  });
  it('gives every frame the full size and its delay in ms', () => {
    const fctl = chunks.filter((c) => c.type === 'fcTL').map((c) => c.data);
    for (const d of fctl)
      expect([d.length, u32(d, 4), u32(d, 8), u32(d, 12), u32(d, 16), d[24], d[25]]).toEqual([
        26, 6, 4, 0, 0, 0, 0,
      ]);
    expect(fctl.map((d) => [u16(d, 20), u16(d, 22)])).toEqual([
      [100, 1000],
      [40, 1000],
      [1500, 1000],
    ]);
  });
  it('stores each frame exactly (frame 0 is the default image; fdAT frames decode as PNGs)', () => {
    expect(decodePng(bytes)).toEqual({ ...frames[0], bitDepth: 8 });
    const fdat = chunks.filter((c) => c.type === 'fdAT');
    fdat.forEach((c, i) => {
      const single = Buffer.concat([
        PNG_SIGNATURE,
        pngChunk('IHDR', chunks[0].data),
        pngChunk('IDAT', c.data.subarray(4)),
        pngChunk('IEND', new Uint8Array(0)),
      ]);
      expect(decodePng(new Uint8Array(single))).toEqual({ ...frames[i + 1], bitDepth: 8 });
    });
  });
  it('plays once when asked, and takes gray and RGBA frames', () => {
    expect(u32(readPngChunks(encodeApng([frame(0, 1)], { delaysMs: 50, loop: false }))[1].data, 4)).toBe(1);
    expect(decodePng(encodeApng([frame(3, 4), frame(4, 4)], { delaysMs: 50 }))).toEqual({
      ...frame(3, 4),
      bitDepth: 8,
    });
  });
  it('rejects mismatched frames and bad delays', () => {
    expect(() => encodeApng([], { delaysMs: 1 })).toThrow(/encodeApng: no frames/);
    expect(() => encodeApng([frame(0), frame(1, 4)], { delaysMs: 1 })).toThrow(
      /frame 1 is 6×4×4, frame 0 is 6×4×3/,
    );
    expect(() => encodeApng([frame(0)], { delaysMs: [1, 2] })).toThrow(/2 delays for 1 frames/);
    expect(() => encodeApng([frame(0)], { delaysMs: 70_000 })).toThrow(
      /delay 70000 ms of frame 0 must be between 0 and 65535/,
    );
    expect(() => encodeApng([{ ...frame(0), data: new Uint8Array(3) }], { delaysMs: 1 })).toThrow(
      /encodeApng: frame 0: 6×4×3 needs 72 bytes/,
    );
  });
});
