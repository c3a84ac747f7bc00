import type { Dataset } from './types';
import { toUnitRange, channelStats, normalization, sampleBatch } from './batch';

/** Two 2×3 RGB images whose bytes encode (image, y, x, channel). */
const ds: Dataset = {
  name: 'tiny',
  images: Uint8Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => i * 7),
  labels: Uint8Array.from([0, 1]),
  count: 2,
  height: 2,
  width: 3,
  channels: 3,
  classNames: ['a', 'b'],
  allowsFlip: true,
};
const at = (i: number, y: number, x: number, c: number) => ds.images[((i * 2 + y) * 3 + x) * 3 + c];

describe('sampleBatch', () => {
  it('gathers images by index, repeats allowed', () => {
    const batch = sampleBatch(ds, [1, 0, 1]);
    expect(batch.length).toBe(3 * 18);
    expect(batch.subarray(0, 18)).toEqual(ds.images.subarray(18, 36));
    expect(batch.subarray(18, 36)).toEqual(ds.images.subarray(0, 18));
  });

  it('mirrors the flagged images left to right, keeping channel order', () => {
    const batch = sampleBatch(ds, [0, 1], [0, 1]);
    expect(batch.subarray(0, 18)).toEqual(ds.images.subarray(0, 18));
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 3; x++)
        for (let c = 0; c < 3; c++) expect(batch[18 + (y * 3 + x) * 3 + c]).toBe(at(1, y, 2 - x, c));
  });

  it('names an index outside the dataset', () => {
    expect(() => sampleBatch(ds, [0, 2])).toThrow('tiny: batch index 2 is outside 0..1');
  });
});

describe('normalisation', () => {
  it('channel statistics are the mean and population std of byte/255 per channel', () => {
    const { mean, std } = channelStats(ds);
    for (let c = 0; c < 3; c++) {
      const values = Array.from({ length: 12 }, (_, k) => ds.images[k * 3 + c] / 255);
      const m = values.reduce((a, b) => a + b, 0) / 12;
      expect(mean[c]).toBeCloseTo(m, 12);
      expect(std[c]).toBeCloseTo(Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / 12), 12);
    }
  });

  it("the paper's map sends 0 → -1 and 255 → 1", () => {
    const n = normalization(ds, 'unit');
    expect(n.scale).toEqual([toUnitRange.scale, toUnitRange.scale, toUnitRange.scale]);
    expect(0 * n.scale[0] + n.offset[0]).toBe(-1);
    expect(255 * n.scale[0] + n.offset[0]).toBeCloseTo(1, 12);
  });

  it('mean/std standardises each channel to mean 0, std 1', () => {
    const n = normalization(ds, 'meanStd');
    for (let c = 0; c < 3; c++) {
      const x = Array.from({ length: 12 }, (_, k) => ds.images[k * 3 + c] * n.scale[c] + n.offset[c]);
      const m = x.reduce((a, b) => a + b, 0) / 12;
      expect(m).toBeCloseTo(0, 12);
      expect(Math.sqrt(x.reduce((a, v) => a + (v - m) ** 2, 0) / 12)).toBeCloseTo(1, 12);
    }
  });

  it('refuses mean/std on a constant channel', () => {
    const flat = { ...ds, images: new Uint8Array(ds.images.length).fill(9) };
    expect(() => normalization(flat, 'meanStd')).toThrow(
      'tiny: channel 0 has zero variance; mean/std normalisation is undefined',
    );
  });
});
