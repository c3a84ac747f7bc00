import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam';
import { clipByGlobalNorm, globalNorm } from './clip';
import { FIRST_UPDATE_DECAY, emaBlend, emaDecayAt } from './ema';
import { flatten } from './flat';
import { learningRate } from './metrics';

interface Golden {
  shapes: number[][];
  params0: number[][];
  grads: number[][][];
  lr: number;
  warmup: number;
  clip: number;
  decay: number;
  steps: {
    grad_norm: number;
    lr: number;
    ema_decay: number;
    ema_warmup_decay: number;
    params: number[][];
    ema: number[][];
    ema_warmup: number[][];
  }[];
}

/** scripts/reference/training_schedule_reference.py: the paper's get_warmed_up_lr and make_ema, transcribed. */
interface Schedule {
  cases: {
    name: string;
    lr: number;
    warmupSteps: number;
    emaDecay: number;
    emaWarmup: boolean;
    steps: { global_step: number; lr: number; ema_decay: number }[];
  }[];
}

const golden = JSON.parse(readFileSync('scripts/reference/fixtures/training_golden.json', 'utf8')) as Golden;
const schedule = JSON.parse(
  readFileSync('scripts/reference/fixtures/training_schedule.json', 'utf8'),
) as Schedule;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], rel = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(rel * scale);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('optimiser against PyTorch (scripts/reference/training_reference.py)', () => {
  it('warm-up, global-norm clipping and Adam give torch.optim.Adam’s parameters step by step', async () => {
    const vars = golden.params0.map((p, i) => tf.variable(tf.tensor(p, golden.shapes[i])));
    const adam = new Adam(vars);
    for (const [n, expected] of golden.steps.entries()) {
      const grads = golden.grads[n].map((g, i) => tf.tensor(g, golden.shapes[i]));
      const flat = flatten(grads);
      const norm = globalNorm(flat);
      expectClose([(await norm.data())[0]], [expected.grad_norm]);
      const lr = learningRate(golden.lr, golden.warmup, n);
      expect(lr).toBeCloseTo(expected.lr, 12);
      const clipped = clipByGlobalNorm(flat, golden.clip, norm);
      adam.apply(clipped, lr);
      for (const [i, v] of vars.entries()) expectClose(await v.data(), expected.params[i]);
      tf.dispose([...grads, flat, norm, clipped]);
    }
    expect(adam.step).toBe(golden.steps.length);
    adam.dispose();
    tf.dispose(vars);
  });

  it('EMA decay: the paper’s make_ema (first update copies), or the num_updates warm-up', () => {
    golden.steps.forEach((s, n) => {
      expect(emaDecayAt(golden.decay, n, false)).toBe(s.ema_decay);
      expect(emaDecayAt(golden.decay, n, true)).toBe(s.ema_warmup_decay);
    });
    expect(emaDecayAt(0.9999, 0, false)).toBe(FIRST_UPDATE_DECAY);
    expect(emaDecayAt(0.9999, 1_000_000, true)).toBe(0.9999);
  });

  it.each([
    ['the paper’s make_ema', false, 'ema'],
    ['the num_updates warm-up', true, 'ema_warmup'],
  ] as const)('the EMA of the parameters after each step follows %s', async (_name, warmup, track) => {
    let average = tf.tensor1d(golden.params0.flat());
    for (const [n, s] of golden.steps.entries()) {
      const w = tf.tensor1d(s.params.flat());
      const next = emaBlend(average, w, emaDecayAt(golden.decay, n, warmup));
      tf.dispose([average, w]);
      average = next;
      expectClose(await average.data(), s[track].flat());
    }
    average.dispose();
  });

  it.each(schedule.cases)(
    '$name: the first five steps’ lr and EMA decay are the paper’s formulas’ (training_schedule_reference.py)',
    (c) => {
      for (const s of c.steps) {
        expect(learningRate(c.lr, c.warmupSteps, s.global_step)).toBe(s.lr);
        expect(emaDecayAt(c.emaDecay, s.global_step, c.emaWarmup)).toBe(s.ema_decay);
      }
    },
  );

  it('restores Adam exactly from its saved moments', async () => {
    const make = () => [tf.variable(tf.tensor([1, -2, 3])), tf.variable(tf.tensor([[0.5, 0.25]]))];
    const run = (adam: Adam, vars: tf.Variable[], g: number) =>
      adam.apply(
        tf.tidy(() => flatten(vars.map((v) => tf.fill(v.shape, g)))),
        0.1,
      );
    const a = make();
    const adamA = new Adam(a);
    run(adamA, a, 0.3);
    const saved = adamA.state();
    const b = make();
    b.forEach((v, i) => v.assign(a[i]));
    const adamB = new Adam(b);
    adamB.load({ step: saved.step, m: saved.m, v: saved.v });
    run(adamA, a, -0.7);
    run(adamB, b, -0.7);
    for (let i = 0; i < a.length; i++)
      expect(Array.from(await b[i].data())).toEqual(Array.from(await a[i].data()));
    expect(() =>
      adamB.load({ step: 1, m: tf.zeros([2]) as tf.Tensor1D, v: tf.zeros([2]) as tf.Tensor1D }),
    ).toThrow(/2 values, the model has 5 parameters/);
  });
});
