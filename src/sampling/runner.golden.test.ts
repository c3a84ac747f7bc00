import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { SchedulerConfig, SchedulerKind } from '../diffusion';
import type { SampleFrame } from './frames';
import { sample, type NormalSource } from './runner';
import { relError, toyModel } from './testUtils';

interface GoldenFrame {
  t: number;
  prev_t: number;
  alpha_bar: number;
  sigma: number;
  x_t: number[];
  x0: number[];
  eps: number[];
}

interface GoldenLoop {
  name: string;
  kind: SchedulerKind;
  config: Partial<SchedulerConfig>;
  num_inference_steps: number;
  eta: number;
  shape: [number, number, number, number];
  noise: number[][];
  frames: GoldenFrame[];
  final: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../scripts/reference/fixtures/sampling_golden.json', import.meta.url), 'utf8'),
) as { loops: GoldenLoop[] };

/** Replays one image's fixed normals in order, failing loudly if the runner asks for more. */
function replay(values: number[], image: number): NormalSource {
  let at = 0;
  return {
    fillNormal(out) {
      if (at + out.length > values.length) {
        throw new Error(`image ${image}: the runner drew past the ${values.length} reference normals`);
      }
      out.set(values.slice(at, at + out.length));
      at += out.length;
      return out;
    },
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sample() against the PyTorch reference loops (scripts/reference/sampling_reference.py)', () => {
  it.each(fixture.loops.map((l) => [l.name, l] as const))('%s', async (_, loop) => {
    const [n, h, , c] = loop.shape;
    const frames: SampleFrame[] = [];
    const sources = loop.noise.map(replay);
    const result = await sample(
      toyModel(h, c),
      loop.config,
      {
        sampler: loop.kind,
        numInferenceSteps: loop.num_inference_steps,
        eta: loop.eta,
        numImages: n,
        frameFormat: 'float32',
      },
      { noiseFor: (i) => sources[i], onFrame: (f) => frames.push(f) },
    );
    expect(result.timesteps).toEqual(loop.frames.map((f) => f.t));
    expect(frames).toHaveLength(loop.frames.length);
    frames.forEach((f, i) => {
      const g = loop.frames[i];
      expect([f.t, f.prevT]).toEqual([g.t, g.prev_t]);
      expect(f.alphaBar).toBeCloseTo(g.alpha_bar, 12);
      expect(f.sigma).toBeCloseTo(g.sigma, 12);
      expect(relError(f.xt, g.x_t), `x_t at t = ${g.t}`).toBeLessThanOrEqual(1e-5);
      expect(relError(f.x0, g.x0), `x0 at t = ${g.t}`).toBeLessThanOrEqual(1e-5);
      expect(relError(f.eps, g.eps), `eps at t = ${g.t}`).toBeLessThanOrEqual(1e-5);
    });
    const bytes = loop.final.map((v) => Math.min(255, Math.max(0, Math.round((v + 1) * 127.5))));
    expect(Math.max(...bytes.map((b, i) => Math.abs(b - result.images[i])))).toBeLessThanOrEqual(1);
    // Every reference normal was used: the runner draws exactly when the reference does.
    expect(() => sources[0].fillNormal(new Float32Array(1))).toThrow(/drew past/);
  });
});

describe('sampling.brokenFinalStep against the PyTorch reference (scripts/reference/clinic_reference.py)', () => {
  const golden = JSON.parse(
    readFileSync(new URL('../../scripts/reference/fixtures/clinic_golden.json', import.meta.url), 'utf8'),
  ) as {
    broken_final: {
      config: Partial<SchedulerConfig>;
      num_inference_steps: number;
      shape: [number, number, number, number];
      timesteps: number[];
      noise: number[][];
      x_before_last: number[];
      final_broken: number[];
      final_correct: number[];
    };
  };
  const g = golden.broken_final;

  it.each([
    ['the learner’s formula, without a model call at t = 0', true, g.final_broken],
    ['the posterior mean with the model at t = 0', false, g.final_correct],
  ] as const)('the last frame is %s', async (_, brokenFinalStep, expected) => {
    const [n, h, , c] = g.shape;
    const frames: SampleFrame[] = [];
    const sources = g.noise.map(replay);
    const toy = toyModel(h, c);
    const calls: number[] = [];
    const model = {
      ...toy,
      apply: (x: tf.Tensor4D, t: tf.Tensor1D, o: { training: false }) => {
        calls.push(t.arraySync()[0]);
        return toy.apply(x, t, o);
      },
    };
    await sample(
      model,
      g.config,
      {
        sampler: 'ddpm',
        numInferenceSteps: g.num_inference_steps,
        numImages: n,
        frameFormat: 'float32',
        brokenFinalStep,
      },
      { noiseFor: (i) => sources[i], onFrame: (f) => frames.push(f) },
    );
    expect(frames.map((f) => f.t)).toEqual(g.timesteps);
    const last = frames[frames.length - 1];
    expect(relError(last.xt, g.x_before_last)).toBeLessThanOrEqual(1e-5);
    // The last step's output: its x̂₀ (the broken step has no clip and no noise; t = 0 adds none either).
    expect(relError(last.x0, expected)).toBeLessThanOrEqual(1e-5);
    expect(calls).toEqual(brokenFinalStep ? g.timesteps.slice(0, -1) : g.timesteps);
  });
});
