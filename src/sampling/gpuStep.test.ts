import * as tf from '@tensorflow/tfjs';
import {
  Rng,
  createScheduler,
  stepCoefficients,
  type PredictionType,
  type SchedulerConfig,
  type SchedulerKind,
  type VarianceType,
} from '../diffusion';
import { gpuStep } from './gpuStep';
import { relError } from './testUtils';

const SHAPE = [2, 4, 4, 3];
const SIZE = 2 * 4 * 4 * 3;
const normals = (seed: number) => new Rng(seed).fillNormal(new Float32Array(SIZE));
const PREDICTIONS: PredictionType[] = ['epsilon', 'sample', 'v_prediction'];

interface Case {
  kind: SchedulerKind;
  config: Partial<SchedulerConfig>;
  eta: number;
  steps: number | null;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const prediction_type of PREDICTIONS) {
    for (const clip_sample of [true, false]) {
      const variances: VarianceType[] = ['fixed_small', 'fixed_small_log', 'fixed_large', 'fixed_large_log'];
      for (const variance_type of variances) {
        out.push({
          kind: 'ddpm',
          config: { prediction_type, clip_sample, variance_type },
          eta: 0,
          steps: null,
        });
      }
      out.push({
        kind: 'ddpm',
        config: { prediction_type, clip_sample, steps_offset: 1 },
        eta: 0,
        steps: 10,
      });
      for (const eta of [0, 0.5, 1]) {
        for (const set_alpha_to_one of [true, false]) {
          out.push({
            kind: 'ddim',
            config: { prediction_type, clip_sample, set_alpha_to_one },
            eta,
            steps: 10,
          });
        }
      }
    }
  }
  return out;
}

const name = (c: Case) => `${c.kind} ${JSON.stringify(c.config)} eta=${c.eta} steps=${c.steps ?? 'T'}`;

describe('gpuStep against the core scheduler.step (tfjs CPU backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases().map((c) => [name(c), c] as const))('%s', async (_, c) => {
    const s = createScheduler(c.kind, c.config);
    const timesteps = c.steps === null ? [999, 487, 1, 0] : s.setTimesteps(c.steps);
    for (const [k, t] of timesteps.entries()) {
      const x = normals(10 + k);
      const m = normals(20 + k);
      const z = normals(30 + k);
      const expected = s.step(m, t, x, { eta: c.eta, noise: z });
      const coefficients = stepCoefficients(s, t, s.previousTimestep(t), c.eta);
      const [xt, mt, zt] = [x, m, z].map((v) => tf.tensor(v, SHAPE));
      const r = gpuStep(coefficients, mt, xt, zt);
      const [prev, x0, eps] = await Promise.all([r.prevSample.data(), r.x0.data(), r.eps.data()]);
      tf.dispose([xt, mt, zt, r.prevSample, r.x0, r.eps]);

      expect(relError(prev, expected.prevSample), `x_prev at t = ${t}`).toBeLessThanOrEqual(1e-5);
      expect(relError(x0, expected.predOriginalSample), `x0 at t = ${t}`).toBeLessThanOrEqual(1e-5);
      expect(
        relError(eps, impliedEps(c.config.prediction_type!, s.alphasCumprod[t], x, m)),
      ).toBeLessThanOrEqual(1e-5);
    }
  });

  it('ε̂ and the unclipped x̂₀ rebuild x_t through the forward process', async () => {
    for (const prediction_type of PREDICTIONS) {
      const s = createScheduler('ddpm', { prediction_type, clip_sample: false });
      const t = 300;
      const [x, m] = [normals(1), normals(2)];
      const [xt, mt] = [tf.tensor(x, SHAPE), tf.tensor(m, SHAPE)];
      const r = gpuStep(stepCoefficients(s, t, t - 1), mt, xt, tf.zeros(SHAPE));
      const [x0, eps] = [await r.x0.data(), await r.eps.data()];
      tf.dispose([xt, mt, r.prevSample, r.x0, r.eps]);
      const ab = s.alphasCumprod[t];
      const rebuilt = x0.map((v, i) => Math.sqrt(ab) * v + Math.sqrt(1 - ab) * eps[i]);
      expect(relError(rebuilt, x)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('leaves no tensor behind and does not dispose its inputs', () => {
    const s = createScheduler('ddim', {});
    s.setTimesteps(5);
    const [x, m] = [tf.tensor(normals(1), SHAPE), tf.tensor(normals(2), SHAPE)];
    const before = tf.memory().numTensors;
    const r = gpuStep(stepCoefficients(s, 799, 599, 0), m, x, null);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([r.prevSample, r.x0, r.eps]);
    expect(tf.memory().numTensors).toBe(before);
    expect(x.isDisposed || m.isDisposed).toBe(false);
    tf.dispose([x, m]);
  });

  it('refuses a noisy step without noise and mismatched shapes, naming them', () => {
    const s = createScheduler('ddpm', {});
    const x = tf.zeros(SHAPE);
    expect(() => gpuStep(stepCoefficients(s, 500, 499), x, x, null)).toThrow(/t = 500 adds noise .*got none/);
    const small = tf.zeros([1, 4, 4, 3]);
    expect(() => gpuStep(stepCoefficients(s, 0, -1), small, x, null)).toThrow(
      /model output \[1, 4, 4, 3\] and sample \[2, 4, 4, 3\]/,
    );
    expect(() => gpuStep(stepCoefficients(s, 500, 499), x, x, small)).toThrow(/got \[1, 4, 4, 3\]/);
    tf.dispose([x, small]);
  });
});

/** ε̂ from the definitions: ε-prediction is ε; x_t = √ᾱ·x₀ + √(1−ᾱ)·ε; v = √ᾱ·ε − √(1−ᾱ)·x₀. */
function impliedEps(prediction: PredictionType, ab: number, x: Float32Array, m: Float32Array): Float64Array {
  const a = Math.sqrt(ab);
  const b = Math.sqrt(1 - ab);
  return Float64Array.from(x, (xv, i) => {
    const mv = m[i];
    if (prediction === 'epsilon') return mv;
    if (prediction === 'sample') return (xv - a * mv) / b;
    return b * xv + a * mv;
  });
}
