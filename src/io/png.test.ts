import { readFileSync } from 'node:fs';
import { zlibSync } from 'fflate';
import { MAX_PNG_PIXELS, PngError, decodePng, encodePng, toEightBit } from './png';
import { PNG_SIGNATURE, pngChunk } from './pngChunks';
import type { RasterImage } from './image';

interface Case {
  name: string;
  png: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  expected: number[];
}
const { cases } = JSON.parse(
  readFileSync(new URL('../../scripts/reference/fixtures/io_png.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/** A PNG assembled from chunks, for files no encoder would write. */
function png(...chunks: [string, Uint8Array][]): Uint8Array {
  return new Uint8Array(Buffer.concat([PNG_SIGNATURE, ...chunks.map(([t, d]) => pngChunk(t, d))]));
}
function ihdr(width: number, height: number, depth = 8, colorType = 0, interlace = 0): [string, Uint8Array] {
  const d = new Uint8Array(13);
  new DataView(d.buffer).setUint32(0, width);
  new DataView(d.buffer).setUint32(4, height);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return ['IHDR', d];
}
const idat = (raw: number[]): [string, Uint8Array] => ['IDAT', zlibSync(new Uint8Array(raw))];
const iend: [string, Uint8Array] = ['IEND', new Uint8Array(0)];
const rejects = (bytes: Uint8Array, message: RegExp) => {
  expect(() => decodePng(bytes)).toThrow(PngError);
  expect(() => decodePng(bytes)).toThrow(message);
};

describe('decodePng on files from the independent Python writer', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const img = decodePng(b64(c.png));
    expect({ width: img.width, height: img.height, channels: img.channels, bitDepth: img.bitDepth }).toEqual({
      width: c.width,
      height: c.height,
      channels: c.channels,
      bitDepth: c.bitDepth,
    });
    expect(img.data).toBeInstanceOf(c.bitDepth === 16 ? Uint16Array : Uint8Array);
    expect(Array.from(img.data)).toEqual(c.expected);
  });
  it('covers every colour type, bit depth and interlacing', () => {
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['gray1', 'gray16', 'rgba16', 'palette8_trns', 'rgb8_adam7', 'gray2_adam7']),
    );
  });
});

describe('encodePng', () => {
  const gradient = (w: number, h: number, c: 1 | 2 | 3 | 4): RasterImage => ({
    width: w,
    height: h,
    channels: c,
    data: Uint8Array.from(
      { length: w * h * c },
      (_, i) => (Math.floor(i / c) % w) * 3 + Math.floor(i / (w * c)) * 5 + (i % c) * 40,
    ),
  });
  const noise = (w: number, h: number, c: 1 | 2 | 3 | 4): RasterImage => ({
    width: w,
    height: h,
    channels: c,
    data: Uint8Array.from({ length: w * h * c }, (_, i) => (i * 2654435761) >>> 24),
  });

  it.each([1, 2, 3, 4] as const)('round-trips %i-channel images exactly', (c) => {
    for (const image of [gradient(33, 17, c), noise(5, 9, c), gradient(1, 1, c)]) {
      const back = decodePng(encodePng(image));
      expect(back).toEqual({ ...image, bitDepth: 8 });
    }
  });
  it('compresses smooth images well (the filters do their job)', () => {
    const image = gradient(64, 64, 3);
    expect(encodePng(image).length).toBeLessThan(image.data.length / 10);
  });
  it('rejects inconsistent images', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(
      /encodePng: 2×2×3 needs 12 bytes of data, got 11/,
    );
    expect(() => encodePng({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) })).toThrow(
      /size 0×2 must be positive/,
    );
  });
});

describe('toEightBit', () => {
  it('rounds 16-bit samples to 8 bits and passes 8-bit images through', () => {
    const img = toEightBit({
      width: 2,
      height: 1,
      channels: 2,
      bitDepth: 16,
      data: new Uint16Array([0, 65535, 32896, 128]),
    });
    expect(Array.from(img.data)).toEqual([0, 255, 128, 0]);
    const eight = {
      width: 1,
      height: 1,
      channels: 1 as const,
      bitDepth: 8 as const,
      data: new Uint8Array([7]),
    };
    expect(toEightBit(eight).data).toBe(eight.data);
  });
});

describe('decodePng rejects damaged and hostile files with a PngError', () => {
  const good = png(ihdr(2, 2), idat([0, 1, 2, 0, 3, 4]), iend);

  it('accepts the baseline the other cases break', () => {
    expect(Array.from(decodePng(good).data)).toEqual([1, 2, 3, 4]);
  });
  it('bad signature, corrupt CRC, truncation', () => {
    rejects(new Uint8Array([1, 2, 3]), /not a PNG file/);
    const corrupt = good.slice();
    corrupt[8 + 25 + 10] ^= 1; // a byte inside the IDAT data
    rejects(corrupt, /IDAT chunk at byte 33 is corrupt: CRC/);
    rejects(good.subarray(0, good.length - 12), /truncated: it ends at byte \d+ before the IEND chunk/);
    rejects(good.subarray(0, 50), /IDAT chunk at byte 33 claims \d+ bytes, past the end/);
  });
  it('checks IHDR limits before allocating anything', () => {
    rejects(
      png(ihdr(100_000, 100_000), iend),
      new RegExp(`100000×100000 = 10000000000 pixels, over the ${MAX_PNG_PIXELS}-pixel limit`),
    );
    expect(() => decodePng(good, { maxPixels: 3 })).toThrow(/over the 3-pixel limit/);
    rejects(png(ihdr(0, 5), iend), /IHDR size 0×5 is invalid/);
    rejects(png(ihdr(2 ** 31, 1), iend), /IHDR size 2147483648×1 is invalid/);
    rejects(
      png(ihdr(2, 2, 16, 3), iend),
      /bit depth 16 is invalid for colour type 3 \(allowed: 1, 2, 4, 8\)/,
    );
    rejects(png(ihdr(2, 2, 8, 5), iend), /colour type 5 is invalid/);
    rejects(png(ihdr(2, 2, 8, 0, 2), iend), /interlace method 2 is invalid/);
    rejects(png(['IHDR', new Uint8Array(12)], iend), /IHDR is 12 bytes, expected 13/);
    rejects(png(idat([0]), ihdr(1, 1), iend), /first chunk is IDAT, expected IHDR/);
  });
  it('image data of the wrong size, bad filters, missing or misplaced chunks', () => {
    rejects(png(ihdr(2, 2), idat([0, 1, 2, 0, 3]), iend), /image data: data inflates to 5 bytes, expected 6/);
    rejects(
      png(ihdr(2, 2), idat([0, 1, 2, 0, 3, 4, 9]), iend),
      /image data: data inflates to more than the expected 6 bytes/,
    );
    rejects(
      png(ihdr(2, 2), ['IDAT', new Uint8Array([0x78, 0x9c, 0xff, 0xff])], iend),
      /image data: corrupt compressed data/,
    );
    rejects(png(ihdr(2, 2), idat([0, 1, 2, 5, 3, 4]), iend), /scanline 1 has filter type 5/);
    rejects(png(ihdr(2, 2), iend), /no IDAT chunk/);
    rejects(
      png(ihdr(2, 2), idat([0, 1, 2]), ['tEXt', new Uint8Array(1)], idat([0, 3, 4]), iend),
      /IDAT chunks are not consecutive/,
    );
    rejects(
      png(ihdr(2, 2), ['ZZZZ', new Uint8Array(1)], idat([0, 1, 2, 0, 3, 4]), iend),
      /unknown critical chunk ZZZZ/,
    );
    rejects(png(ihdr(2, 2), ihdr(2, 2), iend), /IHDR appears twice/);
  });
  it('palette problems', () => {
    const pal: [string, Uint8Array] = ['PLTE', new Uint8Array([255, 0, 0, 0, 255, 0])];
    rejects(png(ihdr(2, 1, 8, 3), idat([0, 0, 1]), iend), /colour type 3\) has no PLTE/);
    rejects(
      png(ihdr(2, 1, 8, 3), pal, idat([0, 0, 2]), iend),
      /palette index 2 is out of range \(the palette has 2 entries\)/,
    );
    rejects(png(ihdr(2, 1, 8, 3), ['PLTE', new Uint8Array(4)], idat([0, 0, 1]), iend), /PLTE is 4 bytes/);
    rejects(png(ihdr(2, 1, 8, 0), pal, idat([0, 0, 1]), iend), /PLTE is not allowed in a gray image/);
    rejects(
      png(ihdr(2, 1, 8, 3), pal, ['tRNS', new Uint8Array(3)], idat([0, 0, 1]), iend),
      /tRNS has 3 entries but the palette only 2/,
    );
    expect(Array.from(decodePng(png(ihdr(2, 1, 8, 3), pal, idat([0, 1, 0]), iend)).data)).toEqual([
      0, 255, 0, 255, 0, 0,
    ]);
  });
});
