/**
 * The lab's sample-quality numbers for N generated images against N held-out real ones:
 * the Fréchet distance between the score classifier's penultimate features (FCD) and the
 * Inception-style score of its class probabilities, for the samples and, as the yardstick a
 * perfect model would reach, for the real images.
 */
import type { Classifier, ImageSet } from './classifier';
import { QualityError } from './errors';
import { featureStats, frechetDistance } from './frechet';
import { inceptionScore } from './inceptionScore';
import type { SampleScore } from './scoreTypes';

/** Scores the first `n` of `samples` against the first `n` of `realHeldOut` (n ≥ 2). */
export async function scoreSamples(
  classifier: Classifier,
  samples: ImageSet,
  realHeldOut: ImageSet,
  n: number,
): Promise<SampleScore> {
  if (!Number.isInteger(n) || n < 2)
    throw new QualityError(`score: n = ${n} images; a covariance needs at least 2`);
  for (const [what, set] of [
    ['samples', samples],
    ['held-out real images', realHeldOut],
  ] as const)
    if (set.count < n)
      throw new QualityError(`score: ${n} images asked for but only ${set.count} ${what} given`);
  const fake = await classifier.embed(firstImages(samples, n));
  const real = await classifier.embed(firstImages(realHeldOut, n));
  const { featureDim: d, numClasses: k } = classifier.config;
  return {
    fcd: frechetDistance(featureStats(fake.features, n, d), featureStats(real.features, n, d)),
    classifierScore: inceptionScore(fake.probs, n, k),
    realClassifierScore: inceptionScore(real.probs, n, k),
    n,
  };
}

function firstImages(set: ImageSet, n: number): ImageSet {
  const bytes = set.height * set.width * set.channels;
  return { ...set, images: set.images.subarray(0, n * bytes), count: n };
}
