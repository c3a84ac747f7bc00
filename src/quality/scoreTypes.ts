/**
 * The score's shared types and limits, for the UI, the worker and the CLI alike. No tfjs here, so
 * the page can import it.
 */
import type { SampleOptions } from '../sampling/options';

/** How the UI and the CLI label the distance: its numbers depend on the lab's own classifier. */
export const FCD_LABEL = 'FCD — not comparable to Inception FID';

/** Most images a score compares: features of 10,000 images per side are what Inception FID uses. */
export const MAX_SCORE_IMAGES = 10_000;

/** How each generated image is sampled; the count, the seed and the frame settings are the scorer's. */
export type ScoreSampling = Omit<SampleOptions, 'numImages' | 'seed' | 'frameBudgetBytes' | 'frameFormat'>;

/** One scoring request. */
export interface ScoreOptions {
  /** Generated and held-out real images compared, 2 to {@link MAX_SCORE_IMAGES}. */
  num: number;
  /** Seeds the samples' noise and the draw of the real images: the same seed gives the same score. */
  seed: number;
  /** Sampler and steps (a few DDIM steps is the quick choice), η, clipping, batch cap. */
  sampling: ScoreSampling;
}

/** One scoring's numbers. */
export interface SampleScore {
  /** Fréchet distance between classifier features of the samples and of the real images. */
  fcd: number;
  /** exp(E KL(p(y|x) ‖ p(y))) of the samples, from 1 to the number of classes. */
  classifierScore: number;
  /** The same score of the real images: what the samples would reach if indistinguishable from data. */
  realClassifierScore: number;
  /** Images of each kind that were compared. */
  n: number;
}
