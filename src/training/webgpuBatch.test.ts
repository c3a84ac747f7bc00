import * as tf from '@tensorflow/tfjs';
import { applyOverrides, parseRunConfig, presetRunConfig, type RunConfigOverrides } from '../config';
import { sampleBatch } from '../data/batch';
import { generateShapes } from '../data/shapes';
import { labKernelRuns } from '../model/webgpu/program';
import { relDiff, startWebGpu } from '../model/webgpu/testing';
import { createScheduler } from '../diffusion';
import { dropoutKeyWords } from '../model/ops';
import { drawFlips, drawNoise, drawTimesteps } from '../random/draws';
import { prepareTrainingData, uploadBatch } from './batch';
import { noiseTables, noisyInputAndTarget } from './loss';
import { Trainer, type StepReport } from './trainer';
import { noisyBatchWebGpu, packImages } from './webgpuBatch';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`GPU batch tests skipped: ${unavailable}`);

function trainingData(overrides: RunConfigOverrides, count = 8) {
  const config = parseRunConfig(applyOverrides(presetRunConfig('tiny'), overrides));
  const pair = { train: generateShapes({ count, seed: 3, size: config.model.sample_size as number }) };
  return { config, data: prepareTrainingData(pair, config) };
}

describe.skipIf(unavailable !== null)('the batch made on the GPU', () => {
  it.each(['epsilon', 'v_prediction'] as const)(
    'gathers, flips, normalises and noises as the host path does (%s target, mean/std inputs)',
    async (prediction) => {
      await tf.setBackend('webgpu');
      const { data } = trainingData({ training: { normalization: 'meanstd', flip: true } }, 12);
      const ds = data.dataset;
      const scheduler = createScheduler('ddpm', { num_train_timesteps: 1000, prediction_type: prediction });
      const tables = noiseTables(scheduler);
      const shape: [number, number, number, number] = [6, ds.height, ds.width, ds.channels];
      const key = { seed: 77, step: 5 };
      const indices = Uint32Array.from([3, 0, 11, 7, 7, 2]);
      const images = packImages(ds);
      const [indexT, keyT] = [tf.tensor1d(Int32Array.from(indices), 'int32'), dropoutKeyWords(key)];
      const gpu = noisyBatchWebGpu(
        { images, tables, shape, T: 1000, sharedT: false, flip: true, normalization: data.normalization },
        indexT,
        keyT,
      );
      const flips = drawFlips(key, 6);
      expect(flips.some((f) => f === 1) && flips.some((f) => f === 0)).toBe(true);
      const t = drawTimesteps(key, 6, 1000, false);
      const x0 = uploadBatch(sampleBatch(ds, indices, flips), shape, data.normalization);
      const eps = tf.tensor4d(drawNoise(key, x0.size), shape);
      const tT = tf.tensor1d(t, 'int32');
      const host = noisyInputAndTarget(x0, eps, tT, tables);
      expect(Array.from(await gpu.t.data())).toEqual(Array.from(t));
      // ε differs by the GPU's float32 log/sin/cos (src/random/philoxWgsl.test.ts), nothing else.
      expect(await relDiff(gpu.xt, host.xt)).toBeLessThan(1e-3);
      expect(await relDiff(gpu.target, host.target)).toBeLessThan(1e-3);
      tf.dispose([images, indexT, keyT, gpu.xt, gpu.target, gpu.t, x0, eps, tT, host.xt, host.target]);
      tables.dispose();
    },
  );

  it('trains like the CPU: the same t and losses within 1e-3 for the same seed, with flips and dropout', async () => {
    const overrides: RunConfigOverrides = { model: { dropout: 0.1 }, training: { batchSize: 4, flip: true } };
    const run = async (backend: 'cpu' | 'webgpu') => {
      await tf.setBackend(backend);
      const { config, data } = trainingData(overrides);
      const trainer = new Trainer(config, data);
      const out: StepReport[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await trainer.trainStep();
        if ('nonFinite' in r) throw new Error(`step ${i} was not finite`);
        out.push(r);
      }
      trainer.dispose();
      return out;
    };
    const cpu = await run('cpu');
    const before = labKernelRuns().get('LabNoisyBatch') ?? 0;
    const dropoutBefore = labKernelRuns().get('LabDropout') ?? 0;
    const gpu = await run('webgpu');
    // The compiled step captures the tfjs step (which makes the batch on the GPU) and then replays
    // its dispatches, which tfjs does not count: the kernel ran, but not once per step.
    expect(labKernelRuns().get('LabNoisyBatch')).toBeGreaterThan(before);
    expect(labKernelRuns().get('LabDropout')).toBeGreaterThan(dropoutBefore);
    gpu.forEach((r, i) => {
      expect(Array.from(r.t)).toEqual(Array.from(cpu[i].t));
      expect(Math.abs(r.loss - cpu[i].loss) / cpu[i].loss).toBeLessThan(1e-3);
    });
  });
});
