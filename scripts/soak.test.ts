import { drift, maxDeviation, runNodeSoak } from './soak/nodeSoak';
import type { SoakSample } from './soak/nodeSoak';

const at = (step: number, heapBytes: number): SoakSample => ({
  step,
  numTensors: 10,
  tensorBytes: 100,
  heapBytes,
  loss: 0,
});

describe('soak measures', () => {
  it('drift and maxDeviation compare with the first sample from the given step on', () => {
    const samples = [at(0, 50), at(10, 100), at(20, 104), at(30, 97), at(40, 102)];
    expect(drift(samples, 'heapBytes', 10)).toBeCloseTo(0.02);
    expect(maxDeviation(samples, 'heapBytes', 10)).toBeCloseTo(0.04);
    expect(maxDeviation(samples, 'numTensors', 10)).toBe(0);
    expect(() => drift(samples, 'heapBytes', 40)).toThrow(/no samples between step 40 and the end/);
  });
});

describe('a short Node soak (tiny preset, batch 1, CPU backend)', () => {
  it('30 steps hold the tensor count, tensor bytes and heap flat after warm-up', async () => {
    const { samples } = await runNodeSoak({ steps: 30, batchSize: 1, every: 5 });
    expect(samples.map((s) => s.step)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    // From the first sampled step on, the trainer holds exactly its weights, EMA and Adam moments.
    expect(new Set(samples.slice(1).map((s) => s.numTensors)).size).toBe(1);
    expect(maxDeviation(samples, 'tensorBytes', 5)).toBe(0);
    expect(maxDeviation(samples, 'heapBytes', 5)).toBeLessThan(0.05);
    expect(samples.slice(1).every((s) => Number.isFinite(s.loss))).toBe(true);
  });
});
