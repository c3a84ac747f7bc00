import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { normalization } from '../data/batch';
import type { Dataset } from '../data/types';
import { Adam } from './adam';
import { applyOverrides, defaultRunConfig } from '../config';
import { padOrResize } from '../data/resize';
import { generateShapes } from '../data/shapes';
import { prepareTrainingData, uploadBatch } from './batch';
import { Trainer, type StepReport } from './trainer';
import { globalNorm } from './clip';
import { flatten } from './flat';
import { applyUpdate } from './update';

interface Golden {
  adam_double: {
    shapes: number[][];
    params0: number[][];
    grads: number[][];
    lr: number;
    clip: number;
    single: number[][];
    double: number[][];
  };
  zero_one: { bytes: number[]; zero_one: number[]; minus_one_one: number[] };
}

const golden = JSON.parse(readFileSync('scripts/reference/fixtures/clinic_golden.json', 'utf8')) as Golden;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], rel = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(rel * scale);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe("the learner's switches against PyTorch (scripts/reference/clinic_reference.py)", () => {
  it.each([
    ['single', false],
    ['double', true],
  ] as const)(
    '%s optimizer step: clipping, then Adam as torch.optim.Adam’s step() once or twice on the same gradients',
    async (name, doubleOptimizerStep) => {
      const g = golden.adam_double;
      const vars = g.params0.map((p, i) => tf.variable(tf.tensor(p, g.shapes[i])));
      const adam = new Adam(vars);
      const grads = g.grads.map((x, i) => tf.tensor(x, g.shapes[i]));
      const flat = flatten(grads);
      const norm = globalNorm(flat);
      applyUpdate(adam, flat, norm, g.lr, { gradClipNorm: g.clip, doubleOptimizerStep });
      for (const [i, v] of vars.entries()) expectClose(await v.data(), g[name][i]);
      expect(adam.step).toBe(doubleOptimizerStep ? 2 : 1);
      tf.dispose([...grads, flat, norm]);
      adam.dispose();
      tf.dispose(vars);
    },
  );

  it('zero-one inputs reach the model as byte / 255, in [0, 1]; minus-one-one as byte / 127.5 − 1', async () => {
    const z = golden.zero_one;
    const n = z.bytes.length;
    const ds: Dataset = {
      name: 'bytes',
      images: Uint8Array.from(z.bytes),
      count: n,
      height: 1,
      width: 1,
      channels: 1,
      labels: new Uint8Array(n),
      classNames: ['x'],
      allowsFlip: false,
    };
    for (const [kind, expected] of [
      ['zeroOne', z.zero_one],
      ['unit', z.minus_one_one],
    ] as const) {
      const x = uploadBatch(ds.images, [n, 1, 1, 1], normalization(ds, kind));
      const values = await x.data();
      expectClose(values, expected, 1e-6);
      if (kind === 'zeroOne') {
        expect(Math.min(...values)).toBe(0);
        expect(Math.max(...values)).toBe(1);
      }
      x.dispose();
    }
  });

  it('training.normalization "zero-one" gives the trainer byte / 255 (its x₀ never leaves [0, 1])', async () => {
    const config = applyOverrides(defaultRunConfig(), {
      data: { dataset: 'shapes' },
      model: { preset: 'tiny', sample_size: 8, block_out_channels: [16, 32], norm_num_groups: 4 },
      training: { normalization: 'zero-one', batchSize: 4 },
    });
    const train = padOrResize(generateShapes({ count: 8, seed: 0 }), 8);
    const data = prepareTrainingData({ train }, config);
    expect(data.normalization.kind).toBe('zeroOne');
    const x = uploadBatch(train.images, [8, 8, 8, 3], data.normalization);
    const values = await x.data();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    expectClose(
      values,
      Array.from(train.images, (b) => b / 255),
      1e-6,
    );
    x.dispose();
  });

  it('a twin with doubleOptimizerStep draws the same batch, t and ε (same first loss) and counts two Adam steps', async () => {
    const base = applyOverrides(defaultRunConfig(), {
      data: { dataset: 'shapes' },
      model: { preset: 'tiny', sample_size: 8, block_out_channels: [16, 32], norm_num_groups: 4 },
      training: { batchSize: 4, warmupSteps: 0 },
    });
    const train = padOrResize(generateShapes({ count: 8, seed: 0 }), 8);
    const run = async (doubleOptimizerStep: boolean) => {
      const config = applyOverrides(base, { training: { doubleOptimizerStep } });
      const trainer = new Trainer(config, prepareTrainingData({ train }, config));
      const first = (await trainer.trainStep()) as StepReport;
      const second = (await trainer.trainStep()) as StepReport;
      const state = await trainer.captureState();
      trainer.dispose();
      return { first, second, adamStep: state.adamStep };
    };
    const single = await run(false);
    const double = await run(true);
    expect(double.first.loss).toBe(single.first.loss);
    expect([...double.first.t]).toEqual([...single.first.t]);
    expect([...double.second.t]).toEqual([...single.second.t]);
    expect(double.second.loss).not.toBe(single.second.loss);
    expect([single.adamStep, double.adamStep]).toEqual([2, 4]);
  });
});
