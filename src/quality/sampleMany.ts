/**
 * N generated images for a score, where N (hundreds) exceeds what one sampling run takes
 * (MAX_IMAGES): runs of up to MAX_IMAGES images, image i drawing the seed's noise of image i
 * (`firstImage`), so the N images are those one run of N would give and do not depend on how they
 * were chunked. No frames are recorded.
 */
import type { SchedulerConfig } from '../diffusion';
import { MAX_IMAGES } from '../sampling/options';
import { sample, type DenoisingModel } from '../sampling/runner';
import type { ImageSet } from './classifier';
import { QualityError } from './errors';
import { MAX_SCORE_IMAGES, type ScoreSampling } from './scoreTypes';

/** Progress (steps over all runs) and cancellation. */
export interface SampleManyHooks {
  onProgress?(done: number, total: number): void;
  signal?: { readonly aborted: boolean };
}

/** Samples `n` images with `seed`; see the module comment. */
export async function sampleMany(
  model: DenoisingModel,
  schedule: Partial<SchedulerConfig>,
  sampling: ScoreSampling,
  n: number,
  seed: number,
  hooks: SampleManyHooks = {},
): Promise<ImageSet> {
  if (!Number.isInteger(n) || n < 2 || n > MAX_SCORE_IMAGES)
    throw new QualityError(
      `score: ${n} images is not allowed; choose an integer from 2 to ${MAX_SCORE_IMAGES}`,
    );
  const runs = Math.ceil(n / MAX_IMAGES);
  let images: Uint8Array | undefined;
  let set: Omit<ImageSet, 'images'> | undefined;
  for (let run = 0; run < runs; run++) {
    const first = run * MAX_IMAGES;
    const count = Math.min(MAX_IMAGES, n - first);
    const result = await sample(
      model,
      schedule,
      { ...sampling, numImages: count, seed, frameBudgetBytes: 0 },
      {
        firstImage: first,
        signal: hooks.signal,
        onProgress: (done, total) => hooks.onProgress?.(run * total + done, runs * total),
      },
    );
    const { height, width, channels } = result.shape;
    set ??= { count: n, height, width, channels };
    images ??= new Uint8Array(n * height * width * channels);
    images.set(result.images, first * height * width * channels);
  }
  return { ...(set as Omit<ImageSet, 'images'>), images: images as Uint8Array };
}
