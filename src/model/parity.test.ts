import * as tf from '@tensorflow/tfjs';
import { loadUNetFixture } from '../../scripts/reference/unet_fixture_files';
import { UNET_FIXTURES, measureParity } from '../../scripts/reference/unet_fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('parity with the independent PyTorch reference (scripts/reference/unet_reference.py)', () => {
  it.each(UNET_FIXTURES)('%s: forward within 1e-4, gradients within 1e-3 (batch ≥ 2)', async (name) => {
    const fx = loadUNetFixture(name);
    expect(fx.get('sample').shape[0]).toBeGreaterThanOrEqual(2);
    const before = tf.memory().numTensors;
    const r = await measureParity(fx);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.forward).toBeLessThan(1e-4);
    expect(r.gradSample).toBeLessThan(1e-3);
    expect(r.grads.size).toBe(fx.gradNames.length);
    expect(r.grads.size).toBeGreaterThan(4);
    for (const [param, err] of r.grads) expect(err, param).toBeLessThan(1e-3);
    if (name === 'batchnorm_lab') {
      expect(r.forwardEval).toBeLessThan(1e-4);
      expect(r.runningStats).toBeLessThan(1e-5);
    }
  });
});
