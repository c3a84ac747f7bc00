import * as tf from '@tensorflow/tfjs';
import { installCounters } from './counters';

describe('installCounters', () => {
  it('counts engine kernels and the byte high-water mark between resets, and no dispatches on the CPU', async () => {
    await tf.setBackend('cpu');
    const counters = installCounters();
    const a = tf.ones([256, 256]); // one Fill kernel, 256 KiB
    counters.reset();
    const held = tf.memory().numBytes;
    const b = tf.tidy(() => tf.matMul(tf.add(a, 1), a)); // Add, MatMul; the Add result is freed by tidy
    const afterOne = counters.read();
    expect(afterOne.kernels).toBe(2);
    expect(afterOne.dispatches).toBeNull();
    expect(afterOne.peakBytes).toBe(held + 2 * 256 * 256 * 4);
    expect(counters.tallies()).toEqual({
      kernels: [
        ['Add', 1],
        ['BatchMatMul', 1],
      ],
      dispatches: [],
    });
    counters.reset();
    expect(counters.read()).toEqual({ kernels: 0, dispatches: null, peakBytes: tf.memory().numBytes });
    expect(counters.tallies().kernels).toEqual([]);
    tf.dispose([a, b]);
  });
});
