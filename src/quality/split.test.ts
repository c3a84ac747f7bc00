import { drawImages, scoringSplit, subset, HELD_OUT_FRACTION } from './split';
import { darkAndBright } from './testData';

/** Each image of the toy set made unique: its first pixel is its index. */
function numbered(count: number) {
  const ds = darkAndBright(count, 1);
  for (let i = 0; i < count; i++) ds.images[i * 64] = i;
  return ds;
}
const ids = (ds: { images: Uint8Array; count: number }) =>
  Array.from({ length: ds.count }, (_, i) => ds.images[i * 64]);

describe('scoring split', () => {
  it('uses the test split as the held-out images when there is one', () => {
    const train = numbered(10);
    const test = numbered(4);
    expect(scoringSplit({ train, test })).toEqual({ train, heldOut: test });
  });

  it('holds out a fixed sixth of a train split, disjoint from what the classifier learns', () => {
    const train = numbered(60);
    const a = scoringSplit({ train });
    expect(HELD_OUT_FRACTION).toBeCloseTo(1 / 6);
    expect([a.train.count, a.heldOut.count]).toEqual([50, 10]);
    expect([...ids(a.train), ...ids(a.heldOut)].sort((x, y) => x - y)).toEqual(ids(train));
    // Labels travel with their images.
    for (let i = 0; i < a.heldOut.count; i++) expect(a.heldOut.labels[i]).toBe(ids(a.heldOut)[i] % 2);
    expect(a.heldOut.split).toBe('test');
    // The same every time (the classifier's cache key depends on it), and not simply the last images.
    expect(ids(scoringSplit({ train }).heldOut)).toEqual(ids(a.heldOut));
    expect(ids(a.heldOut)).not.toEqual(ids(train).slice(50));
  });

  it('refuses a train split too small to split', () => {
    expect(() => scoringSplit({ train: numbered(2) })).toThrow(
      'toy: 2 images are too few to hold out 1 for scoring and train a classifier',
    );
  });
});

describe('drawing real images', () => {
  it('draws n distinct images reproducibly for a seed', () => {
    const ds = numbered(30);
    const a = drawImages(ds, 12, 7);
    expect(new Set(ids(a)).size).toBe(12);
    expect(ids(drawImages(ds, 12, 7))).toEqual(ids(a));
    expect(ids(drawImages(ds, 12, 8))).not.toEqual(ids(a));
    expect(ids(subset(ds, [3, 1]))).toEqual([3, 1]);
  });

  it('names the limit when asked for more images than there are', () => {
    expect(() => drawImages(numbered(5), 6, 0)).toThrow(
      'toy: cannot draw 6 held-out real images from 5; choose 1 to 5',
    );
  });
});
