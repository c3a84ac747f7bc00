import * as tf from '@tensorflow/tfjs';
import { filterGradient, type Padding } from '../convGrad';
import { addPixelBiasWebGpu, channelSumWebGpu } from './columnSum';
import { dropoutMask } from '../../random/draws';
import { dropoutWebGpu } from './dropout';
import { filterGradientWebGpu, im2colFits } from './filterGrad';
import { convWebGpu, linearWebGpu } from './layers';
import { upsampleNearest2xWebGpu } from './upsample';
import { compareWithGrads, relDiff, startWebGpu } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU kernel tests skipped: ${unavailable}`);

const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe.skipIf(unavailable !== null)('conv and dense layers with folded bias on WebGPU', () => {
  it.each([
    { k: 3, stride: 1, pad: [1, 1, 1, 1], ci: 4, co: 6 },
    { k: 3, stride: 2, pad: [0, 1, 0, 1], ci: 3, co: 5 }, // downsample_padding 0 (TF's SAME)
    { k: 3, stride: 2, pad: [1, 1, 1, 1], ci: 4, co: 4 }, // downsample_padding 1: an extra tap row to drop
    { k: 1, stride: 1, pad: [0, 0, 0, 0], ci: 8, co: 4 }, // conv_shortcut: the matmul gradients
  ] as const)(
    'conv $k×$k stride $stride pad $pad: values and gradients match pad + conv2d + add',
    async (c) => {
      const x = normal([2, 8, 6, c.ci], 1);
      const w = normal([c.k, c.k, c.ci, c.co], 2);
      const b = normal([c.co], 3);
      const pad = [...c.pad] as Padding;
      const before = tf.memory().numTensors;
      const errs = await compareWithGrads(
        (xs, ws, bs) => convWebGpu(xs as tf.Tensor4D, ws as tf.Tensor4D, bs as tf.Tensor1D, c.stride, pad),
        (xs, ws, bs) =>
          tf.add(
            tf.conv2d(
              tf.pad(xs as tf.Tensor4D, [
                [0, 0],
                [pad[0], pad[1]],
                [pad[2], pad[3]],
                [0, 0],
              ]),
              ws as tf.Tensor4D,
              c.stride,
              'valid',
            ),
            bs,
          ),
        [x, w, b],
      );
      expect(tf.memory().numTensors).toBe(before);
      for (const e of errs) expect(e).toBeLessThan(1e-5);
      tf.dispose([x, w, b]);
    },
  );

  it.each([
    { stride: 1, pad: [1, 1, 1, 1] },
    { stride: 2, pad: [0, 1, 0, 1] },
    { stride: 2, pad: [1, 1, 1, 1] },
  ] as const)(
    'filter gradient, stride $stride pad $pad: im2col + matmul equals the transposed conv (large layers)',
    async (c) => {
      const x = normal([3, 8, 6, 4], 1) as tf.Tensor4D;
      const pad = [...c.pad] as Padding;
      const ho = Math.floor((8 + pad[0] + pad[1] - 3) / c.stride) + 1;
      const wo = Math.floor((6 + pad[2] + pad[3] - 3) / c.stride) + 1;
      const dy = normal([3, ho, wo, 5], 2) as tf.Tensor4D;
      expect(im2colFits(dy.shape, [3, 3, 4, 5])).toBe(true);
      expect(im2colFits([64, 32, 32, 5], [3, 3, 128, 5])).toBe(false); // cifar-small at batch 64
      const [a, b] = [
        filterGradientWebGpu(x, dy, [3, 3, 4, 5], c.stride, pad),
        filterGradient(x, dy, [3, 3, 4, 5], c.stride, pad),
      ];
      expect(await relDiff(a, b)).toBeLessThan(1e-5);
      tf.dispose([x, dy, a, b]);
    },
  );

  it('per-sample channel bias (the time embedding): values and gradients match a broadcast add', async () => {
    const [x, bias] = [normal([3, 4, 5, 6], 1), normal([3, 6], 2)];
    const errs = await compareWithGrads(
      (xs, bs) => addPixelBiasWebGpu(xs as tf.Tensor4D, bs as tf.Tensor2D),
      (xs, bs) => tf.add(xs, tf.reshape(bs, [3, 1, 1, 6])),
      [x, bias],
    );
    for (const e of errs) expect(e).toBeLessThan(1e-5);
    tf.dispose([x, bias]);
  });

  it('nearest ×2 upsampling: values and gradients match tfjs ResizeNearestNeighbor (right on WebGPU)', async () => {
    const x = normal([2, 3, 5, 4], 1);
    const errs = await compareWithGrads(
      (xs) => upsampleNearest2xWebGpu(xs as tf.Tensor4D),
      (xs) => tf.image.resizeNearestNeighbor(xs as tf.Tensor4D, [6, 10]),
      [x],
    );
    for (const e of errs) expect(e).toBeLessThan(1e-6);
    tf.dispose(x);
  });

  it('dense: values and gradients match matMul + add', async () => {
    const [x, w, b] = [normal([5, 7], 1), normal([7, 3], 2), normal([3], 3)];
    const errs = await compareWithGrads(
      (xs, ws, bs) => linearWebGpu(xs as tf.Tensor2D, ws as tf.Tensor2D, bs as tf.Tensor1D),
      (xs, ws, bs) => tf.add(tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D), bs),
      [x, w, b],
    );
    for (const e of errs) expect(e).toBeLessThan(1e-5);
    tf.dispose([x, w, b]);
  });

  it('per-channel sums over 5,000 rows (more rows than threads) match tf.sum', async () => {
    const x = normal([5_000, 3], 5);
    const [got, want] = [channelSumWebGpu(x), tf.sum(x, 0)];
    expect(await relDiff(got, want)).toBeLessThan(1e-5);
    tf.dispose([x, got, want]);
  });
});

describe.skipIf(unavailable !== null)('dropout on WebGPU', () => {
  const drawKey = { seed: 2 ** 32 + 42, step: 9 };
  const keyTensor = () => tf.tensor1d(Int32Array.from(new Uint32Array([42, 1, 9])), 'int32');

  it('draws the mask the CPU draws for a (seed, step, call), and passes the gradient through it', async () => {
    const x = tf.add(normal([2, 4, 4, 8], 1), 3); // no zeros: a zero in the output means dropped
    const key = keyTensor();
    const errs = await compareWithGrads(
      (xs) => dropoutWebGpu(xs as tf.Tensor4D, 0.3, 5, key),
      (xs) => tf.mul(xs, tf.tensor(dropoutMask(drawKey, 5, xs.size, 0.3), xs.shape)),
      [x],
    );
    for (const e of errs) expect(e).toBe(0);
    const y = dropoutWebGpu(x as tf.Tensor4D, 0.3, 5, key);
    const dropped = (await y.data()).filter((v) => v === 0).length / y.size;
    expect(dropped).toBeGreaterThan(0.15);
    expect(dropped).toBeLessThan(0.45);
    const other = dropoutWebGpu(x as tf.Tensor4D, 0.3, 6, key);
    expect(Array.from(await other.data())).not.toEqual(Array.from(await y.data()));
    tf.dispose([x, y, other, key]);
  });

  it('rejects a rate outside [0, 1)', () => {
    expect(() => dropoutWebGpu(tf.zeros([1, 1, 1, 1]), 1, 0, keyTensor())).toThrow(
      /dropout rate 1 is not allowed/,
    );
  });
});
