import * as tf from '@tensorflow/tfjs';
import { presetConfig } from '../../model/presets';
import { UNet } from '../../model/unet';
import { startWebGpu } from '../../model/webgpu/testing';
import type { SampleFrame } from '../frames';
import type { SampleOptions } from '../options';
import { SampleCancelledError, sample } from '../runner';
import { relError } from '../testUtils';
import { compiledSamplerFor } from './compiledSampler';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`compiled sampler tests skipped: ${unavailable}`);

const SIZE = 8;

/** One run through the chosen loop, every frame as float32. */
async function run(unet: UNet, options: SampleOptions, loop: 'auto' | 'tfjs') {
  const frames: SampleFrame[] = [];
  const result = await sample(
    unet,
    {},
    { ...options, frameFormat: 'float32' },
    { loop, onFrame: (f) => frames.push(f) },
  );
  return { frames, result };
}

/** The compiled loop's run equals the tfjs loop's: every frame's x_t, x̂₀, ε̂ and the images. */
async function expectSameRuns(unet: UNet, options: SampleOptions): Promise<void> {
  const reference = await run(unet, options, 'tfjs');
  const sampler = compiledSamplerFor(
    unet,
    { numImages: options.numImages ?? 16, height: SIZE, width: SIZE, channels: 3 },
    options.maxBatch ?? 16,
  );
  if (!sampler) throw new Error('no compiled sampler on WebGPU');
  sampler.lastRun = null;
  const compiled = await run(unet, options, 'auto');
  expect(sampler.lastRun).not.toBeNull();
  expect(compiled.frames.map((f) => [f.step, f.t, f.prevT, f.sigma])).toEqual(
    reference.frames.map((f) => [f.step, f.t, f.prevT, f.sigma]),
  );
  expect(compiled.frames.length).toBe(options.numInferenceSteps);
  compiled.frames.forEach((f, i) => {
    const g = reference.frames[i];
    for (const k of ['xt', 'x0', 'eps'] as const)
      expect(relError(f[k], g[k]), `${k} of step ${i}`).toBeLessThanOrEqual(1e-4);
  });
  const off = compiled.result.images.reduce(
    (w, v, i) => Math.max(w, Math.abs(v - reference.result.images[i])),
    0,
  );
  expect(off).toBeLessThanOrEqual(1);
  expect(compiled.result.timesteps).toEqual(reference.result.timesteps);
}

describe.skipIf(unavailable !== null)('the compiled WebGPU sampler', () => {
  // SwiftShader on 2 shared cores takes seconds per forward of the tiny U-Net at 8×8: 2 steps,
  // 2–3 images; chunk sizes 1, 2, 2 in order, so the cached sampler is built twice.
  const unet = unavailable ? null : new UNet({ ...presetConfig('tiny'), sample_size: SIZE }, { seed: 3 });
  afterAll(() => unet?.dispose());

  it.each<[string, SampleOptions]>([
    [
      'DDIM η = 0.5 with the learner’s last step (no model call), one image per call',
      {
        sampler: 'ddim',
        numInferenceSteps: 2,
        eta: 0.5,
        numImages: 2,
        maxBatch: 1,
        brokenFinalStep: true,
        seed: 5,
      },
    ],
    [
      'DDPM, clipped, 3 images in chunks of 2, a negative seed',
      { sampler: 'ddpm', numInferenceSteps: 2, numImages: 3, maxBatch: 2, clip: true, seed: -7 },
    ],
  ])(
    '%s: gives the tfjs loop’s frames (x_t, x̂₀, ε̂ within 1e-4) and images',
    async (_, options) => {
      await expectSameRuns(unet as UNet, options);
    },
    600_000,
  );

  it('reads back only the recorded frames and the images, creates no tensors, stops when cancelled, follows new weights', async () => {
    const model = unet as UNet;
    const mapAsync = vi.spyOn(GPUBuffer.prototype, 'mapAsync');
    const before = tf.memory().numTensors;
    const perFrame = 3 * 2 * SIZE * SIZE * 3 * 4;
    // A budget of 2 frames over 3 steps: steps 0 and 2 are recorded.
    const frames: number[] = [];
    const options: SampleOptions = { sampler: 'ddim', numInferenceSteps: 3, numImages: 2, seed: 1 };
    await sample(
      model,
      {},
      { ...options, frameFormat: 'float32', frameBudgetBytes: 2 * perFrame },
      {
        onFrame: (f) => frames.push(f.step),
      },
    );
    expect(frames).toEqual([0, 2]);
    expect(mapAsync).toHaveBeenCalledTimes(3);
    const sampler = compiledSamplerFor(model, { numImages: 2, height: SIZE, width: SIZE, channels: 3 }, 16);
    expect(sampler?.lastRun).toEqual({ readbacks: 3, uploadBytesPerStep: 16 });
    mapAsync.mockClear();
    await sample(model, {}, { ...options, numInferenceSteps: 1, frameBudgetBytes: 0 });
    expect(mapAsync).toHaveBeenCalledTimes(1);
    mapAsync.mockRestore();
    expect(tf.memory().numTensors).toBe(before);

    // Cancelled, the steps already queued finish and report progress before the run stops.
    const signal = { aborted: false };
    const progress: number[] = [];
    const cancelled = sample(
      model,
      {},
      { ...options, numInferenceSteps: 5, frameBudgetBytes: 0 },
      { signal, onProgress: (done) => (progress.push(done), (signal.aborted = true)) },
    );
    const error = await cancelled.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SampleCancelledError);
    const { stepsDone } = error as SampleCancelledError;
    expect(stepsDone).toBeLessThan(5);
    expect(progress).toEqual(Array.from({ length: stepsDone }, (_, i) => i + 1));

    // Weights assigned from outside (as training does) are what the next run samples with.
    const w = model.variables()[0];
    tf.tidy(() => w.assign(tf.mul(w, 1.5)));
    await expectSameRuns(model, { ...options, numInferenceSteps: 1 });
  }, 600_000);
});
