import * as tf from '@tensorflow/tfjs';
import { installFastCpuKernels, uninstallFastCpuKernels } from './cpuKernels';

/** Runs `f` with tfjs' own kernels, then with the fast ones, and returns both results. */
function both(f: () => tf.Tensor): [Float32Array, Float32Array, number[]] {
  uninstallFastCpuKernels();
  const reference = tf.tidy(f);
  installFastCpuKernels();
  const fast = tf.tidy(f);
  const out: [Float32Array, Float32Array, number[]] = [reference.dataSync() as Float32Array, fast.dataSync() as Float32Array, fast.shape];
  expect(fast.shape).toEqual(reference.shape);
  tf.dispose([reference, fast]);
  return out;
}

function maxRelError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  const scale = Math.max(...a.map(Math.abs), 1e-12);
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => installFastCpuKernels());

describe('fast CPU Conv2DBackpropFilter', () => {
  const cases: [string, number[], number, 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]]][] = [
    ['3×3 stride 1 same', [2, 6, 5, 3], 1, 'same'],
    ['3×3 stride 2 valid on odd sides', [2, 7, 9, 2], 2, 'valid'],
    ['3×3 stride 2 explicit padding', [1, 8, 8, 4], 2, [[0, 0], [0, 1], [0, 1], [0, 0]]],
  ];
  it.each(cases)('matches tfjs on %s', (_name, xShape, stride, pad) => {
    const x = tf.randomNormal(xShape as [number, number, number, number], 0, 1, 'float32', 1);
    const outChannels = 5;
    const outShape = tf.tidy(() => tf.conv2d(x as tf.Tensor4D, tf.zeros([3, 3, xShape[3], outChannels]), stride as 1 | 2, pad).shape);
    const dyValues = tf.randomNormal(outShape, 0, 1, 'float32', 2);
    const grad = (kernel: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, stride as 1 | 2, pad).mul(dyValues).sum();
    const [refGrad, fastGrad] = both(() => tf.grad(grad)(tf.zeros([3, 3, xShape[3], outChannels]) as tf.Tensor4D));
    expect(maxRelError(refGrad, fastGrad)).toBeLessThan(1e-6);
    expect(refGrad.some((v) => v !== 0)).toBe(true);
    tf.dispose([x, dyValues]);
  });
});

describe('fast CPU Slice', () => {
  it('copies non-contiguous slices of every rank exactly, -1 sizes included', () => {
    const x4 = tf.range(0, 2 * 3 * 4 * 5).reshape([2, 3, 4, 5]);
    for (const [begin, size] of [
      [[0, 1, 1, 2], [2, 2, 3, 3]],
      [[1, 0, 0, 0], [1, -1, -1, 2]],
      [[0, 0, 2, 0], [2, 3, 1, 5]],
    ] as [number[], number[]][]) {
      const [reference, fast] = both(() => tf.slice(x4, begin, size));
      expect(Array.from(fast)).toEqual(Array.from(reference));
    }
    const [r1, f1] = both(() => tf.slice(tf.tensor1d([1, 2, 3, 4]), [1], [2]));
    expect(Array.from(f1)).toEqual(Array.from(r1));
    const [r2, f2] = both(() => tf.slice(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [0, 1], [2, 2]));
    expect(Array.from(f2)).toEqual(Array.from(r2));
    x4.dispose();
  });
});
