import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam';
import { clipByGlobalNorm, globalNorm } from './clip';
import { emaDecayAt } from './ema';
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
  steps: { grad_norm: number; lr: number; ema_decay: number; params: number[][]; ema: number[][] }[];
}

const golden = JSON.parse(readFileSync('scripts/reference/fixtures/training_golden.json', 'utf8')) as Golden;

function expectClose(actual: ArrayLike<number>, expected: readonly number[], rel = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(rel * scale);
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

  it('warms the EMA decay up as min(decay, (1+n)/(10+n))', () => {
    golden.steps.forEach((s, n) => expect(emaDecayAt(golden.decay, n)).toBeCloseTo(s.ema_decay, 12));
    expect(emaDecayAt(0.9999, 1_000_000)).toBe(0.9999);
  });

  it('restores Adam exactly from its saved moments', async () => {
    const make = () => [tf.variable(tf.tensor([1, -2, 3])), tf.variable(tf.tensor([[0.5, 0.25]]))];
    const run = (adam: Adam, vars: tf.Variable[], g: number) => adam.apply(tf.tidy(() => flatten(vars.map((v) => tf.fill(v.shape, g)))), 0.1);
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
    for (let i = 0; i < a.length; i++) expect(Array.from(await b[i].data())).toEqual(Array.from(await a[i].data()));
    expect(() => adamB.load({ step: 1, m: tf.zeros([2]) as tf.Tensor1D, v: tf.zeros([2]) as tf.Tensor1D })).toThrow(/2 values, the model has 5 parameters/);
  });
});
