import * as tf from '@tensorflow/tfjs';
import {
  SchedulerConfigError,
  createScheduler,
  stepPlan,
  type SchedulerConfig,
  type SchedulerKind,
} from '../diffusion';
import { presetConfig } from '../model/presets';
import { UNet } from '../model/unet';
import type { SampleFrame } from './frames';
import { SampleOptionsError, type SampleOptions } from './options';
import { SampleCancelledError, sample, seededNoise } from './runner';
import { TOY_OFFSETS, relError, toyModel } from './testUtils';

const SIDE = 4;
const CHANNELS = 3;
const PER_IMAGE = SIDE * SIDE * CHANNELS;
const toy = toyModel(SIDE, CHANNELS);

/** The same loop on the CPU through the core's scheduler.step, with the runner's documented noise. */
function cpuLoop(
  kind: SchedulerKind,
  config: Partial<SchedulerConfig>,
  steps: number,
  eta: number,
  seed: number,
  n: number,
) {
  const s = createScheduler(kind, config);
  const noise = seededNoise(seed, n);
  const draw = () => {
    const out = new Float32Array(n * PER_IMAGE);
    noise.forEach((rng, i) => out.set(rng.fillNormal(new Float32Array(PER_IMAGE)), i * PER_IMAGE));
    return out;
  };
  let x: Float32Array = draw();
  const frames: { xt: Float32Array; x0: Float32Array }[] = [];
  for (const t of s.setTimesteps(steps)) {
    // Rounded op by op as float32 arithmetic (tfjs) computes it, so both loops feed the step the same m.
    const ratio = Math.fround(Math.fround(t * 0.5) / Math.fround(t + 1));
    const m = x.map((v, i) => Math.fround(v * ratio) + TOY_OFFSETS[i % CHANNELS]);
    const needsNoise =
      s.previousTimestep(t) >= 0 || (kind === 'ddpm' && t > 0) || (kind === 'ddim' && eta > 0);
    const r = s.step(m, t, x, { eta, ...(needsNoise ? { noise: draw() } : {}) });
    frames.push({ xt: x, x0: r.predOriginalSample });
    x = r.prevSample;
  }
  return { final: x, frames };
}

function collect(): { frames: SampleFrame[]; onFrame: (f: SampleFrame) => void } {
  const frames: SampleFrame[] = [];
  return { frames, onFrame: (f) => frames.push(f) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sample() against the core CPU loop', () => {
  it.each([
    ['ddpm', { variance_type: 'fixed_large' }, 20, 0],
    ['ddpm', { clip_sample: false }, 10, 0],
    ['ddim', {}, 10, 0],
    ['ddim', { prediction_type: 'v_prediction', timestep_spacing: 'trailing' }, 8, 0.5],
  ] as const)('%s %j, %i steps, η = %f', async (kind, config, steps, eta) => {
    const ref = cpuLoop(kind, config, steps, eta, 42, 3);
    const { frames, onFrame } = collect();
    const r = await sample(
      toy,
      config,
      {
        sampler: kind,
        numInferenceSteps: steps,
        eta,
        numImages: 3,
        seed: 42,
        maxBatch: 2,
        frameFormat: 'float32',
      },
      { onFrame },
    );
    expect(r.frameStride).toBe(1);
    expect(frames).toHaveLength(steps);
    frames.forEach((f, i) => {
      expect(relError(f.xt, ref.frames[i].xt), `x_t at step ${i}`).toBeLessThanOrEqual(1e-5);
      expect(relError(f.x0, ref.frames[i].x0), `x0 at step ${i}`).toBeLessThanOrEqual(1e-5);
    });
    const expected = Uint8Array.from(ref.final, (v) =>
      Math.min(255, Math.max(0, Math.round((v + 1) * 127.5))),
    );
    const off = r.images.reduce((worst, v, i) => Math.max(worst, Math.abs(v - expected[i])), 0);
    expect(off).toBeLessThanOrEqual(1); // float32 rounding may tip a value across a .5 boundary
    expect(r.shape).toEqual({ numImages: 3, height: SIDE, width: SIDE, channels: CHANNELS });
  });
});

describe('sample() frames, memory and cancelling', () => {
  it('labels every frame with t, ᾱ_t and σ_t of the core plan and maps [-1, 1] to bytes', async () => {
    const { frames, onFrame } = collect();
    const r = await sample(toy, {}, { sampler: 'ddpm', numInferenceSteps: 6, numImages: 2 }, { onFrame });
    const plan = stepPlan(createScheduler('ddpm', {}), 6);
    expect(r.timesteps).toEqual(plan.map((p) => p.t));
    expect(frames.map((f) => [f.step, f.t, f.prevT, f.alphaBar, f.sigma])).toEqual(
      plan.map((p, i) => [i, p.t, p.prevT, p.alphaBar, p.sigma]),
    );
    for (const f of frames) {
      for (const d of [f.xt, f.x0, f.eps]) {
        expect(d).toBeInstanceOf(Uint8Array);
        expect(d.length).toBe(2 * PER_IMAGE);
      }
      // Clipped x̂₀ of this toy saturates somewhere: both ends of the byte range are reachable.
      expect(Math.max(...f.x0)).toBeLessThanOrEqual(255);
    }
    // Separate buffers, so a worker can transfer each.
    expect(new Set(frames.flatMap((f) => [f.xt.buffer, f.x0.buffer, f.eps.buffer])).size).toBe(
      3 * frames.length,
    );
  });

  it("uses the run's variance type over the schedule's: σ_t = √β_t for fixed_large, the stored one for fixed_small", async () => {
    const schedule = { variance_type: 'fixed_small' } as const;
    const run = async (varianceType?: 'fixed_small' | 'fixed_large') => {
      const { frames, onFrame } = collect();
      await sample(
        toy,
        schedule,
        { sampler: 'ddpm', numInferenceSteps: 5, numImages: 1, varianceType },
        { onFrame },
      );
      return frames;
    };
    const large = await run('fixed_large');
    // The paper's linear betas, β_t = 1e-4 + (0.02 − 1e-4)·t/999; a step from t to prevT has the
    // β of the whole stretch, 1 − ᾱ_t/ᾱ_prevT (diffusers), and adds no noise at t = 0.
    const alphaBar: number[] = [];
    for (let t = 0, a = 1; t < 1000; t++) alphaBar.push((a *= 1 - (1e-4 + (0.0199 * t) / 999)));
    for (const f of large)
      expect(f.sigma).toBeCloseTo(f.t === 0 ? 0 : Math.sqrt(1 - alphaBar[f.t] / alphaBar[f.prevT]), 6);
    const small = await run('fixed_small');
    expect(small.map((f) => f.sigma)).toEqual((await run()).map((f) => f.sigma));
    expect(small.map((f) => f.sigma)).toEqual(
      stepPlan(createScheduler('ddpm', schedule), 5).map((p) => p.sigma),
    );
    // β̃_t < β_t for t > 0: the override changed every noisy step.
    small.forEach((f, i) => (f.t > 0 ? expect(f.sigma).toBeLessThan(large[i].sigma) : undefined));
  });

  it('strides the frames to fit the budget and reports the stride', async () => {
    const oneFrame = 3 * 2 * PER_IMAGE; // uint8: x_t, x̂₀, ε̂ of 2 images
    const { frames, onFrame } = collect();
    const r = await sample(
      toy,
      {},
      { sampler: 'ddim', numInferenceSteps: 10, numImages: 2, frameBudgetBytes: 4 * oneFrame + 5 },
      { onFrame },
    );
    expect(r.frameStride).toBe(3);
    expect(r.frameCount).toBe(4);
    expect(frames.map((f) => f.step)).toEqual([0, 3, 6, 9]);

    const none = collect();
    const r0 = await sample(
      toy,
      {},
      { sampler: 'ddim', numInferenceSteps: 4, numImages: 2, frameBudgetBytes: 0 },
      { onFrame: none.onFrame },
    );
    expect([r0.frameStride, r0.frameCount, none.frames.length]).toEqual([0, 0, 0]);
    await expect(
      sample(
        toy,
        {},
        { sampler: 'ddim', numInferenceSteps: 4, numImages: 2, frameBudgetBytes: oneFrame - 1 },
      ),
    ).rejects.toThrow(`frame budget ${oneFrame - 1} bytes is smaller than one frame (${oneFrame} bytes)`);
  });

  it('keeps tf.memory().numTensors flat across the steps of the real U-Net', async () => {
    const unet = new UNet({ ...presetConfig('tiny'), sample_size: 8 }, { seed: 1 });
    const counts: number[] = [];
    const r = await sample(
      unet,
      {},
      { sampler: 'ddpm', numInferenceSteps: 4, numImages: 3, maxBatch: 2 },
      { onProgress: () => counts.push(tf.memory().numTensors) },
    );
    expect(counts).toHaveLength(4);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(counts[0] - 1); // the last x_t is freed too
    expect(r.images.length).toBe(3 * 8 * 8 * 3);
    unet.dispose();
  });

  it('stops at the next step once the signal is aborted, freeing every tensor', async () => {
    const before = tf.memory().numTensors;
    const signal = { aborted: false };
    const progress: number[] = [];
    const run = sample(
      toy,
      {},
      { sampler: 'ddpm', numInferenceSteps: 10, numImages: 2 },
      {
        signal,
        onProgress: (done) => {
          progress.push(done);
          if (done === 3) signal.aborted = true;
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(SampleCancelledError);
    await expect(run).rejects.toThrow('sampling cancelled after 3 of 10 steps');
    expect(progress).toEqual([1, 2, 3]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('sample() reproducibility', () => {
  const options: SampleOptions = { sampler: 'ddpm', numInferenceSteps: 5, numImages: 4, seed: 7 };

  it('gives each image the same result whatever the batch cap or the number of images', async () => {
    const all = await sample(toy, {}, { ...options, maxBatch: 4 });
    const capped = await sample(toy, {}, { ...options, maxBatch: 1 });
    const fewer = await sample(toy, {}, { ...options, numImages: 2 });
    expect(capped.images).toEqual(all.images);
    expect(fewer.images).toEqual(all.images.slice(0, 2 * PER_IMAGE));
    const other = await sample(toy, {}, { ...options, seed: 8 });
    expect(other.images).not.toEqual(all.images);
  });

  it('gives the same images with the real U-Net at any batch cap', async () => {
    const unet = new UNet({ ...presetConfig('tiny'), sample_size: 8 }, { seed: 3 });
    const a = await sample(unet, {}, { sampler: 'ddim', numInferenceSteps: 2, numImages: 3, maxBatch: 3 });
    const b = await sample(unet, {}, { sampler: 'ddim', numInferenceSteps: 2, numImages: 3, maxBatch: 2 });
    const off = a.images.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b.images[i])), 0);
    expect(off).toBeLessThanOrEqual(1);
    unet.dispose();
  });
});

describe('sample() input errors', () => {
  it.each([
    [{ numImages: 65 }, /numImages = 65 .*from 1 to 64/, SampleOptionsError],
    [
      { numInferenceSteps: 1001 },
      /numInferenceSteps = 1001.*1 to num_train_timesteps \(1000\)/,
      SchedulerConfigError,
    ],
    [{ eta: 1.5 }, /eta = 1.5 .*0 .*to 1/, SampleOptionsError],
    [{ maxBatch: 0 }, /maxBatch = 0/, SampleOptionsError],
    [{ seed: 0.5 }, /seed = 0.5/, SampleOptionsError],
    [{ frameFormat: 'png' }, /frameFormat = "png".*"uint8", "float32"/, SampleOptionsError],
    [{ sampler: 'euler' }, /sampler = "euler".*"ddpm", "ddim"/, SampleOptionsError],
    [
      { varianceType: 'learned' },
      /varianceType = "learned".*"fixed_small", "fixed_large"/,
      SampleOptionsError,
    ],
    [{ steps: 5 }, /steps = 5 .*unknown option/, SampleOptionsError],
  ])('%j', async (bad, message, errorClass) => {
    const run = sample(toy, {}, {
      sampler: 'ddim',
      numInferenceSteps: 2,
      ...bad,
    } as unknown as SampleOptions);
    await expect(run).rejects.toThrow(message);
    await expect(run).rejects.toBeInstanceOf(errorClass);
  });

  it('names a model that cannot be sampled', async () => {
    const o: SampleOptions = { sampler: 'ddim', numInferenceSteps: 2 };
    const wrongOut = { ...toy, config: { ...toy.config, out_channels: 6 } };
    await expect(sample(wrongOut, {}, o)).rejects.toThrow(/outputs 6 channels but takes 3/);
    const noSize = { ...toy, config: { ...toy.config, sample_size: null } };
    await expect(sample(noSize, {}, o)).rejects.toThrow(/no sample_size/);
    await expect(sample(toy, { beta_schedule: 'cosine' } as never, o)).rejects.toThrow(
      /beta_schedule = "cosine"/,
    );
  });
});
