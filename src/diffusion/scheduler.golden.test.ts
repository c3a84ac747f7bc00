// Golden values from scripts/reference/scheduler_reference.py (PyTorch float64, written from the
// papers and diffusers' documented semantics, independent of this code).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createScheduler,
  describeSchedule,
  inferenceTimesteps,
  resolveSchedulerConfig,
  trainingCoefficients,
  type PredictionType,
  type SchedulerConfig,
  type SchedulerKind,
} from './index';

interface ScheduleCase {
  name: string;
  config: Partial<SchedulerConfig>;
  probe_t: number[];
  betas: number[];
  alphas_cumprod: number[];
  posterior_variance: number[];
  snr_db: number[];
  sqrt_alpha_bar_T: number;
}
interface TimestepCase {
  num_train_timesteps: number;
  num_inference_steps: number;
  timestep_spacing: SchedulerConfig['timestep_spacing'];
  steps_offset: number;
  timesteps: number[];
}
interface LoopCase {
  name: string;
  kind: SchedulerKind;
  config: Partial<SchedulerConfig>;
  num_inference_steps?: number;
  eta?: number;
  use_clipped_model_output?: boolean;
  timesteps: number[];
  prev_timesteps: number[];
  variances: number[];
  x_T: number[];
  noise: number[][] | null;
  prev_samples: number[][];
  pred_original_samples: number[][];
}
interface TrainingCase {
  prediction_type: PredictionType;
  t: number;
  x0: number[];
  eps: number[];
  add_noise: number[];
  velocity: number[];
  target: number[];
}
interface Golden {
  defaults: SchedulerConfig;
  schedules: ScheduleCase[];
  timesteps: TimestepCase[];
  loops: LoopCase[];
  training: TrainingCase[];
}

const golden = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../scripts/reference/fixtures/scheduler_golden.json', import.meta.url)),
    'utf8',
  ),
) as Golden;

const TOLERANCE = 1e-5;
let largest = { error: 0, where: '' };

/** Relative error, with a floor so exact zeros on both sides compare cleanly. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, where: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1e-8);
    if (error > largest.error) largest = { error, where: `${where}[${i}]` };
    if (!(error <= TOLERANCE)) {
      throw new Error(
        `${where}[${i}]: got ${actual[i]}, reference ${expected[i]} (relative error ${error.toExponential(2)})`,
      );
    }
  }
}

afterAll(() => {
  console.log(
    `largest relative error against the reference: ${largest.error.toExponential(2)} at ${largest.where}`,
  );
});

describe('schedules against the reference', () => {
  it("fills diffusers' DDPMScheduler / DDIMScheduler defaults as the reference states them", () => {
    expect(resolveSchedulerConfig({})).toEqual(golden.defaults);
  });

  it.each(golden.schedules)('$name: betas, ᾱ, β̃, SNR', (s) => {
    const scheduler = createScheduler('ddpm', s.config);
    const d = describeSchedule(s.config);
    const at = (a: Float64Array) => s.probe_t.map((t) => a[t]);
    expectClose(at(scheduler.betas), s.betas, `${s.name} betas`);
    expectClose(at(scheduler.alphasCumprod), s.alphas_cumprod, `${s.name} alphasCumprod`);
    expectClose(at(d.posteriorVariance), s.posterior_variance, `${s.name} posteriorVariance`);
    expectClose(at(d.snrDb), s.snr_db, `${s.name} snrDb`);
    expectClose([d.sqrtAlphaBar[d.sqrtAlphaBar.length - 1]], [s.sqrt_alpha_bar_T], `${s.name} √ᾱ_T`);
    const tables = trainingCoefficients(scheduler);
    // Float32 tables: one float32 rounding from the Float64 values.
    s.probe_t.forEach((t, i) => {
      expect(tables.sqrtAlphaBar[t]).toBeCloseTo(Math.sqrt(s.alphas_cumprod[i]), 6);
      expect(tables.sqrtOneMinusAlphaBar[t]).toBeCloseTo(Math.sqrt(1 - s.alphas_cumprod[i]), 6);
    });
  });
});

describe('inference timesteps against the reference', () => {
  it.each(golden.timesteps)(
    'T=$num_train_timesteps, $num_inference_steps $timestep_spacing steps, offset $steps_offset',
    (c) => {
      const config = resolveSchedulerConfig({
        num_train_timesteps: c.num_train_timesteps,
        timestep_spacing: c.timestep_spacing,
        steps_offset: c.steps_offset,
      });
      expect(inferenceTimesteps(config, c.num_inference_steps)).toEqual(c.timesteps);
    },
  );
});

describe('sampling loops against the reference (toy model m = x·t/(t+1))', () => {
  it.each(golden.loops)('$kind: $name', (c) => {
    const scheduler = createScheduler(c.kind, c.config);
    if (c.num_inference_steps !== undefined)
      expect(scheduler.setTimesteps(c.num_inference_steps)).toEqual(c.timesteps);
    let x: Float32Array = Float32Array.from(c.x_T);
    c.timesteps.forEach((t, i) => {
      expect(scheduler.previousTimestep(t)).toBe(c.prev_timesteps[i]);
      expectClose([scheduler.getVariance(t)], [c.variances[i]], `${c.name} variance at t=${t}`);
      const modelOutput = Float32Array.from(x, (v) => (v * t) / (t + 1));
      const out = scheduler.step(modelOutput, t, x, {
        eta: c.eta,
        noise: c.noise === null ? undefined : Float32Array.from(c.noise[i]),
        useClippedModelOutput: c.use_clipped_model_output,
      });
      expectClose(out.predOriginalSample, c.pred_original_samples[i], `${c.name} x0 at t=${t}`);
      expectClose(out.prevSample, c.prev_samples[i], `${c.name} prev at t=${t}`);
      x = out.prevSample;
    });
  });

  it('covers every schedule, variance type, prediction type, spacing and η of the brief', () => {
    const configs = golden.loops.map((c) => ({
      ...resolveSchedulerConfig(c.config),
      kind: c.kind,
      eta: c.eta,
    }));
    const schedules = new Set(configs.map((c) => (c.trained_betas !== null ? 'trained' : c.beta_schedule)));
    expect([...schedules].sort()).toEqual(['linear', 'scaled_linear', 'squaredcos_cap_v2', 'trained']);
    const ddpm = configs.filter((c) => c.kind === 'ddpm');
    expect(new Set(ddpm.map((c) => c.variance_type)).size).toBe(4);
    expect(new Set(configs.map((c) => c.prediction_type)).size).toBe(3);
    expect(new Set(configs.map((c) => c.timestep_spacing)).size).toBe(3);
    expect(new Set(configs.filter((c) => c.kind === 'ddim').map((c) => c.eta))).toEqual(new Set([0, 0.5, 1]));
  });
});

describe('training helpers against the reference', () => {
  it.each(golden.training)('$prediction_type at t=$t: addNoise, velocity, target', (c) => {
    const scheduler = createScheduler('ddpm', { prediction_type: c.prediction_type });
    const x0 = Float32Array.from(c.x0);
    const eps = Float32Array.from(c.eps);
    expectClose(scheduler.addNoise(x0, eps, c.t), c.add_noise, 'addNoise');
    expectClose(scheduler.velocity(x0, eps, c.t), c.velocity, 'velocity');
    expectClose(scheduler.trainingTarget(x0, eps, c.t), c.target, 'trainingTarget');
  });
});
