import * as tf from '@tensorflow/tfjs';
import { Rng, createScheduler, type PredictionType } from '../diffusion';
import { noiseTables, noisyInputAndTarget, perExampleMse } from './loss';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function maxRelError(actual: Float32Array, expected: Float32Array): number {
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...actual.map((a, i) => Math.abs(a - expected[i]))) / scale;
}

describe('forward process on the GPU', () => {
  const [B, H, W, C] = [5, 4, 3, 2];
  const per = H * W * C;
  const rng = new Rng(7);
  const x0 = Float32Array.from({ length: B * per }, () => rng.uniform() * 2 - 1);
  const eps = rng.fillNormal(new Float32Array(B * per));
  const t = Int32Array.from([0, 1, 499, 998, 999]);

  it.each(['epsilon', 'sample', 'v_prediction'] as PredictionType[])(
    'x_t and the %s target equal the diffusion core’s CPU addNoise / trainingTarget, per example',
    async (predictionType) => {
      for (const schedule of [{}, { beta_schedule: 'squaredcos_cap_v2' as const }]) {
        const scheduler = createScheduler('ddpm', { ...schedule, prediction_type: predictionType });
        const tables = noiseTables(scheduler);
        const { xt, target } = noisyInputAndTarget(tf.tensor4d(x0, [B, H, W, C]), tf.tensor4d(eps, [B, H, W, C]), tf.tensor1d(t, 'int32'), tables);
        const gpuXt = (await xt.data()) as Float32Array;
        const gpuTarget = (await target.data()) as Float32Array;
        for (let b = 0; b < B; b++) {
          const sl = (a: Float32Array) => a.subarray(b * per, (b + 1) * per);
          expect(maxRelError(sl(gpuXt), scheduler.addNoise(sl(x0), sl(eps), t[b]))).toBeLessThan(1e-5);
          expect(maxRelError(sl(gpuTarget), scheduler.trainingTarget(sl(x0), sl(eps), t[b]))).toBeLessThan(1e-5);
        }
        tables.dispose();
        tf.dispose([xt, target]);
      }
    },
  );

  it('perExampleMse is the mean squared error of each example', async () => {
    const a = tf.tensor4d([1, 2, 3, 4, 0, 0, 0, 0], [2, 2, 2, 1]);
    const b = tf.tensor4d([1, 2, 3, 6, 1, 1, 1, 1], [2, 2, 2, 1]);
    expect(Array.from(await perExampleMse(a, b).data())).toEqual([1, 1]);
  });
});
