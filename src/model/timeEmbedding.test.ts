import * as tf from '@tensorflow/tfjs';
import { sinusoidalEmbedding, timestepFrequencies } from './timeEmbedding';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sinusoidal timestep embedding', () => {
  it('uses frequencies exp(−ln(10000)·i/(half − freq_shift))', () => {
    const f = timestepFrequencies(8, 1);
    expect(f.length).toBe(4);
    expect(f[0]).toBe(1);
    expect(f[3]).toBeCloseTo(1e-4, 9); // i = half − 1 with shift 1: the lowest frequency is exactly 1/10000
    expect(timestepFrequencies(8, 0)[2]).toBeCloseTo(Math.exp((-Math.log(10000) * 2) / 4), 7);
  });

  it('is [sin, cos] or [cos, sin], one row per timestep', async () => {
    const t = tf.tensor1d([0, 3]);
    const plain = (await sinusoidalEmbedding(t, 4, false, 0).array()) as number[][];
    const flipped = (await sinusoidalEmbedding(t, 4, true, 0).array()) as number[][];
    expect(plain[0]).toEqual([0, 0, 1, 1]);
    expect(flipped[0]).toEqual([1, 1, 0, 0]);
    const f = timestepFrequencies(4, 0);
    expect(plain[1][1]).toBeCloseTo(Math.sin(3 * f[1]), 6);
    expect(flipped[1][1]).toBeCloseTo(Math.cos(3 * f[1]), 6);
    t.dispose();
  });

  it('pads an odd width with a zero column', async () => {
    const t = tf.tensor1d([7]);
    const e = (await sinusoidalEmbedding(t, 5, false, 1).array()) as number[][];
    expect(e[0]).toHaveLength(5);
    expect(e[0][4]).toBe(0);
    t.dispose();
  });
});
