import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { applyOverrides, parseRunConfig, presetRunConfig, type RunConfigOverrides } from '../config';
import { generateShapes } from '../data/shapes';
import { prepareTrainingData } from './batch';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { installFastCpuKernels } from './cpuKernels';
import { RunMetrics } from './runMetrics';
import { runSteps } from './testing';
import { Trainer } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installFastCpuKernels();
});

/** The paper's lr warm-up and EMA transcribed (scripts/reference/training_schedule_reference.py). */
const schedule = JSON.parse(readFileSync('scripts/reference/fixtures/training_schedule.json', 'utf8')) as {
  cases: {
    name: string;
    lr: number;
    warmupSteps: number;
    emaDecay: number;
    emaWarmup: boolean;
    steps: { lr: number; ema_decay: number }[];
  }[];
};

/** The tiny preset (8×8 Shapes, 0.18M parameters) with test overrides, on `count` images. */
function makeTrainer(overrides: RunConfigOverrides = {}, count = 8): Trainer {
  const config = parseRunConfig(applyOverrides(presetRunConfig('tiny'), overrides));
  const pair = { train: generateShapes({ count, seed: 3, size: config.model.sample_size as number }) };
  return new Trainer(config, prepareTrainingData(pair, config));
}

const steps = runSteps;

/** The paper's recipe as far as the tiny model allows, and the learner's deviations plus dropout. */
const RECIPES: [string, RunConfigOverrides][] = [
  ['per-example t, [-1, 1], EMA', { training: { batchSize: 4 } }],
  [
    'shared t, mean/std, BatchNorm after conv_in, dropout, no clipping, no EMA',
    {
      model: { lab_norm_after_conv_in: 'batch', dropout: 0.1 },
      training: { batchSize: 4, sharedT: true, normalization: 'meanstd', gradClipNorm: null, useEma: false },
    },
  ],
];

describe('trainer: determinism and exact resume', () => {
  it.each(RECIPES)(
    '%s: the same seed gives the same losses, and a resumed run equals an uninterrupted one',
    async (_name, overrides) => {
      const straight = makeTrainer(overrides);
      const expected = (await steps(straight, 4)).map((r) => r.loss);
      straight.dispose();

      const first = makeTrainer(overrides);
      const before = (await steps(first, 2)).map((r) => r.loss);
      expect(before).toEqual(expected.slice(0, 2));
      const metrics = new RunMetrics(1000);
      const bytes = encodeCheckpoint(
        {
          runId: 'r',
          step: first.step,
          savedAt: 0,
          backend: tf.getBackend(),
          config: first.config,
          metrics: metrics.state(),
        },
        await first.captureState(),
      );
      first.dispose();

      const resumed = makeTrainer(overrides);
      const { meta, state } = decodeCheckpoint(bytes);
      expect(meta.step).toBe(2);
      resumed.restoreState(state);
      const after = (await steps(resumed, 2)).map((r) => r.loss);
      expect(after).toEqual(expected.slice(2));
      expect(resumed.step).toBe(4);
      resumed.dispose();
    },
  );

  it('draws one t per example, or one shared t per batch', async () => {
    const perExample = makeTrainer({ training: { batchSize: 8 } });
    const shared = makeTrainer({ training: { batchSize: 8, sharedT: true } });
    const [a] = await steps(perExample, 1);
    const [b] = await steps(shared, 1);
    expect(new Set(a.t).size).toBeGreaterThan(1);
    expect(new Set(b.t).size).toBe(1);
    expect(a.perExampleLoss).toHaveLength(8);
    perExample.dispose();
    shared.dispose();
  });

  it.each(schedule.cases)(
    '$name: the first five steps use and report the paper’s lr and EMA decay (training_schedule_reference.py)',
    async ({ lr, warmupSteps, emaDecay, emaWarmup, steps: expected }) => {
      const trainer = makeTrainer({ training: { batchSize: 2, lr, warmupSteps, emaDecay, emaWarmup } }, 2);
      const reports = await steps(trainer, expected.length);
      expect(reports.map((r) => [r.lr, r.emaDecay])).toEqual(expected.map((s) => [s.lr, s.ema_decay]));
      trainer.dispose();
    },
  );

  it('the schedule fixture’s "paper" and "mnist" cases are those presets’ settings', () => {
    for (const name of ['paper', 'mnist'] as const) {
      const { lr, warmupSteps, emaDecay, emaWarmup } = schedule.cases.find((c) => c.name === name)!;
      expect(presetRunConfig(name).training).toMatchObject({ lr, warmupSteps, emaDecay, emaWarmup });
    }
  });

  it.each([
    [false, 'copies the weights'],
    [true, 'is 0.1·initial + 0.9·trained'],
  ])('with emaWarmup %s the EMA after the first step %s', async (emaWarmup) => {
    const trainer = makeTrainer({ training: { batchSize: 4, lr: 0.01, warmupSteps: 0, emaWarmup } });
    const initial = Float32Array.from(await trainer.model.variable('conv_in.weight').data());
    await steps(trainer, 1);
    const trained = Float32Array.from(await trainer.model.variable('conv_in.weight').data());
    const ema = await trainer.ema!.model().variable('conv_in.weight').data();
    const want = emaWarmup ? trained.map((w, i) => 0.1 * initial[i] + 0.9 * w) : trained;
    for (let i = 0; i < want.length; i++) expect(ema[i]).toBeCloseTo(want[i], 6);
    // The weights moved, so the two rules differ by far more than the tolerance.
    expect(Math.max(...trained.map((w, i) => Math.abs(w - initial[i])))).toBeGreaterThan(1e-3);
    trainer.dispose();
  });

  it('a non-finite loss updates nothing', async () => {
    const trainer = makeTrainer({ training: { batchSize: 4 } });
    await steps(trainer, 1);
    const probe = trainer.model.variable('conv_in.weight');
    const before = Float32Array.from(await probe.data());
    const bias = trainer.model.variable('conv_out.bias');
    bias.assign(tf.fill(bias.shape, NaN));
    const r = await trainer.trainStep();
    expect(r).toMatchObject({ nonFinite: true, step: 1 });
    expect(trainer.step).toBe(1);
    expect(Float32Array.from(await probe.data())).toEqual(before);
    trainer.dispose();
  });

  it('refuses a checkpoint of another model, naming the tensor', async () => {
    const small = makeTrainer({ training: { batchSize: 4 } });
    const state = await small.captureState();
    small.dispose();
    const wide = makeTrainer({ model: { block_out_channels: [16, 48] }, training: { batchSize: 4 } });
    expect(() => wide.restoreState(state)).toThrow(
      /checkpoint tensor \S+ has shape \[.*\], the model needs \[/,
    );
    wide.dispose();
  });
});

describe('trainer: learning on a handful of images (tiny preset, CPU backend)', () => {
  const STEPS = 120;
  const losses: number[] = [];
  const tensorsAfter: number[] = [];
  let denoiseBefore = 0;
  let denoiseAfter = 0;

  /** MSE of x̂₀ recovered from the model's ε̂ at a small t, for the first training image (eval mode). */
  async function denoiseError(trainer: Trainer): Promise<number> {
    const t = 30;
    const alphaBar = trainer.scheduler.alphasCumprod[t];
    const ds = trainer.data.dataset;
    const per = ds.height * ds.width * ds.channels;
    return tf.tidy(() => {
      const x0 = tf.sub(
        tf.mul(
          tf.tensor4d(Float32Array.from(ds.images.subarray(0, per)), [1, ds.height, ds.width, ds.channels]),
          2 / 255,
        ),
        1,
      );
      const eps = tf.randomNormal(x0.shape, 0, 1, 'float32', 11);
      const xt = tf.add(tf.mul(x0, Math.sqrt(alphaBar)), tf.mul(eps, Math.sqrt(1 - alphaBar))) as tf.Tensor4D;
      const epsHat = trainer.model.apply(xt, tf.tensor1d([t]), { training: false });
      const x0Hat = tf.div(tf.sub(xt, tf.mul(epsHat, Math.sqrt(1 - alphaBar))), Math.sqrt(alphaBar));
      return tf.mean(tf.squaredDifference(x0Hat, x0)).dataSync()[0];
    });
  }

  beforeAll(async () => {
    const trainer = makeTrainer({ training: { batchSize: 4, flip: false } }, 4);
    denoiseBefore = await denoiseError(trainer);
    for (const r of await steps(trainer, 2)) losses.push(r.loss);
    tensorsAfter.push(tf.memory().numTensors);
    for (let i = 2; i < STEPS; i++) {
      losses.push((await steps(trainer, 1))[0].loss);
      tensorsAfter.push(tf.memory().numTensors);
    }
    denoiseAfter = await denoiseError(trainer);
    trainer.dispose();
  }, 600_000);

  it('leaks no tensor: tf.memory().numTensors is flat from step 2 on', () => {
    expect(tensorsAfter.length).toBeGreaterThanOrEqual(50);
    expect(new Set(tensorsAfter)).toEqual(new Set([tensorsAfter[0]]));
  });

  it('the loss falls at least 5×', () => {
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const start = mean(losses.slice(0, 3));
    const end = mean(losses.slice(-20));
    expect(start).toBeGreaterThan(0.5);
    expect(end).toBeLessThan(start / 5);
  });

  it('denoises a training image at small t better than at the start', () => {
    expect(denoiseAfter).toBeLessThan(0.8 * denoiseBefore);
  });
});
