import { Rng } from './rng';
import { createScheduler } from './scheduler';
import { describeSchedule } from './diagnostics';
import { stepCoefficients, stepPlan, trainingCoefficients } from './coefficients';
import type { PredictionType } from './config';

const sample = (seed: number, n = 16) => new Rng(seed).fillNormal(new Float32Array(n));

describe('forward process and the x₀ formulas', () => {
  it.each<PredictionType>(['epsilon', 'sample', 'v_prediction'])(
    '%s: a perfect prediction of the training target recovers x₀ in step()',
    (prediction_type) => {
      const scheduler = createScheduler('ddpm', { prediction_type, clip_sample: false });
      const x0 = sample(1).map((v) => v * 0.5);
      const eps = sample(2);
      for (const t of [0, 10, 487, 900]) {
        const xt = scheduler.addNoise(x0, eps, t);
        const target = scheduler.trainingTarget(x0, eps, t);
        const { predOriginalSample } = scheduler.step(target, t, xt, { rng: new Rng(0) });
        // Float32 storage of x_t is amplified by 1/√ᾱ_t (≈ 5 at t = 900).
        predOriginalSample.forEach((v, i) => expect(v).toBeCloseTo(x0[i], 4));
      }
    },
  );

  it('velocity is √ᾱ_t·ε − √(1−ᾱ_t)·x₀ and addNoise is √ᾱ_t·x₀ + √(1−ᾱ_t)·ε', () => {
    const s = createScheduler('ddpm', {});
    const x0 = Float32Array.of(1, -0.5);
    const eps = Float32Array.of(0.25, 2);
    const t = 300;
    const a = Math.sqrt(s.alphasCumprod[t]);
    const b = Math.sqrt(1 - s.alphasCumprod[t]);
    expect(Array.from(s.velocity(x0, eps, t))).toEqual(
      Array.from(Float32Array.of(a * 0.25 - b, a * 2 + b * 0.5)),
    );
    expect(Array.from(s.addNoise(x0, eps, t))).toEqual(
      Array.from(Float32Array.of(a + b * 0.25, -0.5 * a + 2 * b)),
    );
  });

  it('training tables hold √ᾱ_t and √(1−ᾱ_t) for every t', () => {
    const s = createScheduler('ddpm', { num_train_timesteps: 50, beta_end: 0.4 });
    const { sqrtAlphaBar, sqrtOneMinusAlphaBar } = trainingCoefficients(s);
    expect(sqrtAlphaBar.length).toBe(50);
    for (let t = 0; t < 50; t++) {
      expect(sqrtAlphaBar[t]).toBe(Math.fround(Math.sqrt(s.alphasCumprod[t])));
      expect(sqrtAlphaBar[t] ** 2 + sqrtOneMinusAlphaBar[t] ** 2).toBeCloseTo(1, 6);
    }
  });
});

describe("the paper's schedule (docs/ddpm.md §5)", () => {
  const d = describeSchedule({});
  it('has β̃ ≈ 0, 0.00979, 0.02 at t = 0, 487, 999 and √ᾱ_T ≈ 0.0064', () => {
    expect(d.posteriorVariance[0]).toBe(0);
    expect(d.posteriorVariance[487]).toBeCloseTo(0.00979, 5);
    expect(d.posteriorVariance[999]).toBeCloseTo(0.02, 4);
    expect(d.sqrtAlphaBar[999]).toBeCloseTo(0.0064, 4);
    expect(d.alphaBar[999]).toBeCloseTo(4.0e-5, 6);
  });

  it("DDPM's step variance is β̃_t (floored at 1e-20 at t = 0) for fixed_small and β_t for fixed_large", () => {
    const small = createScheduler('ddpm', {});
    const large = createScheduler('ddpm', { variance_type: 'fixed_large' });
    expect(small.getVariance(0)).toBe(1e-20);
    expect(small.getVariance(487)).toBeCloseTo(d.posteriorVariance[487], 12);
    for (const t of [0, 1, 487, 999]) expect(large.getVariance(t)).toBeCloseTo(large.betas[t], 12);
  });
});

describe('reverse steps', () => {
  it('DDIM with η = 0 is deterministic and draws no noise', () => {
    const s = createScheduler('ddim', {});
    const timesteps = s.setTimesteps(20);
    const run = (rng: Rng) => {
      let x: Float32Array = sample(3);
      for (const t of timesteps)
        x = s.step(
          x.map((v) => v * 0.9),
          t,
          x,
          { eta: 0, rng },
        ).prevSample;
      return x;
    };
    const rng = new Rng(11);
    const before = rng.getState();
    expect(Array.from(run(rng))).toEqual(Array.from(run(new Rng(12))));
    expect(rng.getState()).toEqual(before);
  });

  it('DDIM with η = 1 adds the DDPM posterior variance; η scales σ linearly', () => {
    const ddpm = createScheduler('ddpm', {});
    const ddim = createScheduler('ddim', {});
    for (const [t, prevT] of [
      [900, 800],
      [50, 0],
      [999, 500],
    ]) {
      expect(stepCoefficients(ddim, t, prevT, 1).sigma ** 2).toBeCloseTo(ddpm.getVariance(t, prevT), 14);
      expect(stepCoefficients(ddim, t, prevT, 0.5).sigma).toBeCloseTo(
        stepCoefficients(ddim, t, prevT, 1).sigma / 2,
        14,
      );
    }
  });

  it('DDPM draws reproducible noise from an Rng and adds none at t = 0', () => {
    const s = createScheduler('ddpm', {});
    const x = sample(4);
    const m = sample(5);
    expect(s.step(m, 500, x, { rng: new Rng(1) }).prevSample).toEqual(
      s.step(m, 500, x, { rng: new Rng(1) }).prevSample,
    );
    expect(s.step(m, 500, x, { rng: new Rng(1) }).prevSample).not.toEqual(
      s.step(m, 500, x, { rng: new Rng(2) }).prevSample,
    );
    const last = s.step(m, 0, x); // no noise needed
    expect(last.prevSample).toEqual(last.predOriginalSample); // ᾱ_prev = 1: x_prev = x̂₀
  });

  it('follows the set timesteps: prevT is the next one, −1 after the last', () => {
    const s = createScheduler('ddpm', { timestep_spacing: 'linspace' });
    const ts = s.setTimesteps(4);
    expect(ts).toEqual([999, 666, 333, 0]);
    expect(ts.map((t) => s.previousTimestep(t))).toEqual([666, 333, 0, -1]);
    expect(createScheduler('ddpm', {}).previousTimestep(10)).toBe(9); // before setTimesteps: the full chain
  });

  it('stepPlan lists (t, prevT, ᾱ, σ) from the config without touching the scheduler', () => {
    const s = createScheduler('ddim', { timestep_spacing: 'trailing' });
    const plan = stepPlan(s, 5, 1);
    expect(plan.map((p) => [p.t, p.prevT])).toEqual([
      [999, 799],
      [799, 599],
      [599, 399],
      [399, 199],
      [199, -1],
    ]);
    expect(s.timesteps).toBeNull();
    expect(plan[0].alphaBar).toBe(s.alphasCumprod[999]);
    expect(plan[4].alphaBarPrev).toBe(1);
    expect(plan[4].sigma).toBe(0); // ᾱ_prev = 1 leaves no variance
    expect(stepPlan(s, 5, 0).every((p) => p.sigma === 0)).toBe(true);
    const ddpm = stepPlan(createScheduler('ddpm', {}), 10);
    expect(ddpm[9]).toMatchObject({ t: 0, prevT: -1, sigma: 0 });
    expect(ddpm[0].sigma).toBeCloseTo(Math.sqrt(createScheduler('ddpm', {}).getVariance(900, 800)), 14);
  });

  it('clips x̂₀ to ±clip_sample_range', () => {
    const s = createScheduler('ddpm', { prediction_type: 'sample', clip_sample_range: 0.5 });
    const out = s.step(Float32Array.of(2, -3, 0.25), 0, Float32Array.of(0, 0, 0));
    expect(Array.from(out.predOriginalSample)).toEqual([0.5, -0.5, 0.25]);
  });
});

describe('invalid step input', () => {
  const ddpm = createScheduler('ddpm', {});
  const x = Float32Array.of(0, 1);
  it.each([1000, -1, 2.5, NaN])('rejects timestep %s', (t) => {
    expect(() => ddpm.step(x, t, x, { rng: new Rng(0) })).toThrow(/timestep t = .* 0\.\.999/);
    expect(() => ddpm.addNoise(x, x, t)).toThrow(/0\.\.999/);
  });
  it('names missing noise, double noise sources and length mismatches', () => {
    expect(() => ddpm.step(x, 5, x)).toThrow(/t = 5 adds noise .*opts.noise or opts.rng/);
    expect(() => ddpm.step(x, 5, x, { noise: x, rng: new Rng(0) })).toThrow(/not both/);
    expect(() => ddpm.step(x, 5, x, { noise: Float32Array.of(1) })).toThrow(/needs 2 noise values, got 1/);
    expect(() => ddpm.step(Float32Array.of(1), 0, x)).toThrow(/modelOutput has 1 values but sample has 2/);
    expect(() => ddpm.velocity(x, Float32Array.of(1), 3)).toThrow(
      /velocity: x0 has 2 values but the noise has 1/,
    );
  });
  it('requires setTimesteps before a DDIM step and a t from the set', () => {
    const ddim = createScheduler('ddim', {});
    expect(() => ddim.step(x, 900, x)).toThrow(/setTimesteps/);
    ddim.setTimesteps(10);
    expect(() => ddim.step(x, 901, x)).toThrow(
      /timestep 901 is not one of the 10 set by setTimesteps: \[900, 800/,
    );
    expect(() => ddim.step(x, 900, x, { eta: 1.5 })).toThrow(/eta = 1.5 .*from 0/);
    expect(() => ddim.getVariance(900, 900)).toThrow(/previous timestep 900 for t = 900/);
  });
});
