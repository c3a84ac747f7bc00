import { zipSync } from 'fflate';
import type { DecodeImage } from './decode';
import { sniffImage } from './decode';
import { DatasetError } from './errors';
import { classifyPath } from './imageSet';
import { loadDataset } from './load';
import { bytesSource } from './source';

const MAGIC = {
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  jpeg: [0xff, 0xd8, 0xff, 0xe0],
  webp: [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
};

/**
 * A fake encoded image: a real magic number, then at byte 16 width, height and raw RGBA. The
 * fake decoder reads that back, as `createImageBitmap` would read a real file.
 */
function fakeImage(
  format: keyof typeof MAGIC,
  width: number,
  height: number,
  rgba: (x: number, y: number) => number[],
): Uint8Array {
  const out = new Uint8Array(18 + width * height * 4);
  out.set(MAGIC[format]);
  out[16] = width;
  out[17] = height;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) out.set(rgba(x, y), 18 + (y * width + x) * 4);
  return out;
}

const fakeDecode: DecodeImage = async (bytes) => {
  const width = bytes[16];
  const height = bytes[17];
  if (bytes.length !== 18 + width * height * 4) throw new Error('corrupt');
  return { width, height, data: bytes.subarray(18) };
};

const solid =
  (r: number, g: number, b: number, a = 255) =>
  () => [r, g, b, a];

describe('image sets', () => {
  it('recognises PNG, JPEG and WebP by magic number only', () => {
    expect(sniffImage(fakeImage('png', 1, 1, solid(0, 0, 0)))).toBe('png');
    expect(sniffImage(fakeImage('jpeg', 1, 1, solid(0, 0, 0)))).toBe('jpeg');
    expect(sniffImage(fakeImage('webp', 1, 1, solid(0, 0, 0)))).toBe('webp');
    expect(sniffImage(new TextEncoder().encode('RIFF....WAVEfmt '))).toBeUndefined();
  });

  it('takes split and class from folders', () => {
    expect(classifyPath('pets/train/cats/1.png')).toEqual({ split: 'train', className: 'cats' });
    expect(classifyPath('pets/TEST/dogs/2.png')).toEqual({ split: 'test', className: 'dogs' });
    expect(classifyPath('train/3.png')).toEqual({ split: 'train', className: 'all' });
    expect(classifyPath('4.png')).toEqual({ split: 'train', className: 'all' });
  });

  it('loads a zip: classes from folders, non-images skipped and counted, OS litter ignored, broken images reported', async () => {
    const zip = zipSync({
      'pets/dogs/b.png': fakeImage('png', 2, 2, solid(200, 10, 10)),
      'pets/cats/a.jpg': fakeImage('jpeg', 2, 2, solid(10, 200, 10)),
      'pets/cats/c.webp': fakeImage('webp', 2, 2, solid(10, 10, 200)),
      'pets/notes.txt': new TextEncoder().encode('not an image'),
      'pets/cats/broken.png': fakeImage('png', 2, 2, solid(0, 0, 0)).subarray(0, 20),
      '__MACOSX/pets/._b.png': new Uint8Array(10),
      'pets/.DS_Store': new Uint8Array(10),
    });
    const { pair, warnings } = await loadDataset([bytesSource('pets.zip', zip)], { decodeImage: fakeDecode });
    expect(pair.train).toMatchObject({
      count: 3,
      height: 2,
      width: 2,
      channels: 3,
      classNames: ['cats', 'dogs'],
      allowsFlip: true,
    });
    // Zip order, labels by sorted class name.
    expect(Array.from(pair.train.labels)).toEqual([1, 0, 0]);
    expect(Array.from(pair.train.images.subarray(0, 3))).toEqual([200, 10, 10]);
    expect(warnings).toEqual([
      'skipped 1 file(s) that are not dataset files: pets.zip/pets/notes.txt',
      'skipped 1 image file(s) that could not be decoded: pets.zip/pets/cats/broken.png (pets.zip/pets/cats/broken.png: corrupt)',
    ]);
  });

  it('centre-crops and area-resizes to the requested size, train/test folders kept', async () => {
    // 4 wide × 2 high: left and right quarters black, the centre square white.
    const wide = fakeImage('png', 4, 2, (x) => (x === 0 || x === 3 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const { pair } = await loadDataset(
      [
        bytesSource('train/a/1.png', wide),
        bytesSource('test/a/2.png', wide),
        bytesSource('train/b/3.png', fakeImage('png', 3, 3, solid(9, 9, 9))),
      ],
      { decodeImage: fakeDecode, size: 1 },
    );
    expect(pair.train).toMatchObject({ count: 2, height: 1, width: 1, channels: 1, classNames: ['a', 'b'] });
    expect(Array.from(pair.train.images)).toEqual([255, 9]);
    expect(pair.test).toMatchObject({ count: 1, split: 'test' });
  });

  it('makes grayscale datasets from gray images, RGB when forced; transparency reads as background 0', async () => {
    const gray = fakeImage('png', 1, 2, (_, y) => (y === 0 ? [100, 100, 100, 255] : [200, 200, 200, 0]));
    const auto = await loadDataset([bytesSource('g.png', gray)], { decodeImage: fakeDecode });
    expect(auto.pair.train.channels).toBe(1);
    expect(Array.from(auto.pair.train.images)).toEqual([100, 0]);
    const rgb = await loadDataset([bytesSource('g.png', gray)], { decodeImage: fakeDecode, channels: 3 });
    expect(Array.from(rgb.pair.train.images)).toEqual([100, 100, 100, 0, 0, 0]);
    const toGray = await loadDataset([bytesSource('c.png', fakeImage('png', 1, 1, solid(255, 0, 0)))], {
      decodeImage: fakeDecode,
      channels: 1,
    });
    expect(Array.from(toGray.pair.train.images)).toEqual([76]);
  });
});

describe('bad image sets', () => {
  it('mixed sizes without a size to resize to', async () => {
    const err = await loadDataset(
      [
        bytesSource('a.png', fakeImage('png', 2, 2, solid(1, 1, 1))),
        bytesSource('b.png', fakeImage('png', 3, 2, solid(1, 1, 1))),
      ],
      {
        decodeImage: fakeDecode,
        name: 'set',
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toBe(
      'set: images have mixed sizes (a.png is 2×2, b.png is 3×2); choose a size to resize them to',
    );
  });

  it('zero usable images', async () => {
    await expect(
      loadDataset([bytesSource('a.png', Uint8Array.from(MAGIC.png))], { decodeImage: fakeDecode }),
    ).rejects.toThrow('a.png: holds no usable images (1 image file(s), none decodable; a.png: corrupt)');
    await expect(
      loadDataset([bytesSource('x.txt', new Uint8Array(3)), bytesSource('y.csv', new Uint8Array(3))], {
        name: 'folder',
      }),
    ).rejects.toThrow('folder: holds no usable images (skipped: x.txt, y.csv)');
  });

  it('images but no decoder given', async () => {
    await expect(loadDataset([bytesSource('a.png', fakeImage('png', 1, 1, solid(1, 1, 1)))])).rejects.toThrow(
      'a.png: holds 1 encoded image(s) but the loader was given no image decoder',
    );
  });

  it('a corrupt zip', async () => {
    const zip = zipSync({ 'a.png': fakeImage('png', 8, 8, solid(1, 2, 3)) }, { level: 0 });
    await expect(
      loadDataset([bytesSource('set.zip', zip.subarray(0, zip.length - 30))], { decodeImage: fakeDecode }),
    ).rejects.toThrow(/^set\.zip: zip archive: no end-of-central-directory record/);
  });

  it('a size out of range', async () => {
    await expect(
      loadDataset([bytesSource('a.png', fakeImage('png', 1, 1, solid(1, 1, 1)))], {
        decodeImage: fakeDecode,
        size: 0,
      }),
    ).rejects.toThrow('a.png: image size 0 must be an integer from 1 to 1024');
  });
});
