import * as tf from '@tensorflow/tfjs';
import { installFastCpuKernels, uninstallFastCpuKernels } from './cpuKernels';

/** Runs `f` with tfjs' own kernels, then with the fast ones, and returns both results. */
function both(f: () => tf.Tensor): [Float32Array, Float32Array, number[]] {
  uninstallFastCpuKernels();
  const reference = tf.tidy(f);
  installFastCpuKernels();
  const fast = tf.tidy(f);
  const out: [Float32Array, Float32Array, number[]] = [
    reference.dataSync() as Float32Array,
    fast.dataSync() as Float32Array,
    fast.shape,
  ];
  expect(fast.shape).toEqual(reference.shape);
  tf.dispose([reference, fast]);
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => installFastCpuKernels());

describe('fast CPU Slice', () => {
  it('copies non-contiguous slices of every rank exactly, -1 sizes included', () => {
    const x4 = tf.range(0, 2 * 3 * 4 * 5).reshape([2, 3, 4, 5]);
    for (const [begin, size] of [
      [
        [0, 1, 1, 2],
        [2, 2, 3, 3],
      ],
      [
        [1, 0, 0, 0],
        [1, -1, -1, 2],
      ],
      [
        [0, 0, 2, 0],
        [2, 3, 1, 5],
      ],
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
