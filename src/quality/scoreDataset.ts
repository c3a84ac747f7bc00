/**
 * The whole scoring job as the worker and the CLI run it: split the dataset, draw N held-out real
 * images, get the classifier (from the cache, or trained and cached), then generate and score N
 * samples. Generating comes last, so a dataset too small for N or a classifier that cannot be
 * trained fails before the expensive part.
 */
import type { Dataset, DatasetPair } from '../data/types';
import { padOrResize } from '../data/resize';
import type { UNetConfig } from '../model/config';
import type { ClassifierCache } from './classifierCache';
import { QualityError } from './errors';
import type { Classifier, ImageSet } from './classifier';
import { deserializeClassifier, serializeClassifier } from './classifierFile';
import { scoreSamples } from './score';
import type { SampleScore } from './scoreTypes';
import { drawImages, scoringSplit } from './split';
import {
  DEFAULT_RECIPE,
  checkRecipe,
  trainClassifier,
  type ClassifierRecipe,
  type TrainHooks,
} from './trainClassifier';

/** A classifier ready to score, and where it came from. */
export interface ReadyClassifier {
  classifier: Classifier;
  key: string;
  /** True when it was loaded from the cache rather than trained. */
  cached: boolean;
  /** Cache trouble: an unreadable entry (replaced by a freshly trained classifier), a failed write. */
  warnings: string[];
}

/** SHA-256 (hex) of a dataset's content: size, class names, pixels and labels. */
export async function dataHash(ds: Dataset): Promise<string> {
  const bytes = ds.height * ds.width * ds.channels;
  const header = new TextEncoder().encode(
    JSON.stringify([ds.count, ds.height, ds.width, ds.channels, ds.classNames]),
  );
  // Hashing the parts separately avoids concatenating a 150 MB CIFAR-10 split.
  const parts = await Promise.all(
    [header, ds.images.subarray(0, ds.count * bytes), ds.labels.subarray(0, ds.count)].map((part) =>
      sha256(part),
    ),
  );
  return hex(await sha256(new Uint8Array(parts.flatMap((p) => [...p]))));
}

/**
 * The cache key: the dataset's id (readable, for whoever looks into the store), its content hash
 * and the recipe, so new data or a changed recipe never gets a stale classifier.
 */
export async function classifierCacheKey(
  datasetId: string,
  train: Dataset,
  recipe: ClassifierRecipe,
): Promise<string> {
  const recipeHash = hex(await sha256(new TextEncoder().encode(JSON.stringify(recipe)))).slice(0, 16);
  return `${datasetId}/${await dataHash(train)}/${recipeHash}`;
}

/** Loads the classifier for `train` from the cache, or trains one and caches it. */
export async function ensureClassifier(
  datasetId: string,
  train: Dataset,
  cache: ClassifierCache,
  recipe: ClassifierRecipe = DEFAULT_RECIPE,
  hooks: TrainHooks = {},
): Promise<ReadyClassifier> {
  checkRecipe(recipe);
  const key = await classifierCacheKey(datasetId, train, recipe);
  const warnings: string[] = [];
  const bytes = await cache.get(key);
  if (bytes) {
    try {
      return { classifier: deserializeClassifier(bytes), key, cached: true, warnings };
    } catch (e) {
      warnings.push(`cached classifier ${key} is unreadable (${(e as Error).message}); retrained it`);
    }
  }
  const classifier = await trainClassifier(train, recipe, hooks);
  try {
    await cache.put(key, await serializeClassifier(classifier));
  } catch (e) {
    // A full disk or quota costs the next score a retraining, not this score its result.
    warnings.push(`could not cache the classifier (${(e as Error).message}); the next score trains it again`);
  }
  return { classifier, key, cached: false, warnings };
}

/**
 * The dataset as the model sees it: each split padded or resized to the model's square sample
 * size (as for training: 28×28 digits are padded to 32×32), refused when the channel counts differ.
 */
export function fitToModel(
  pair: DatasetPair,
  config: Pick<UNetConfig, 'sample_size' | 'in_channels'>,
): DatasetPair {
  const size = config.sample_size;
  if (size === null)
    throw new QualityError(
      'score: the model config has no sample_size, so the image size to compare is unknown',
    );
  const side = Array.isArray(size) ? (size[0] === size[1] ? size[0] : null) : size;
  if (side === null)
    throw new QualityError(
      `score: the model's sample_size ${JSON.stringify(size)} is not square; the score fits data to square images only`,
    );
  if (pair.train.channels !== config.in_channels)
    throw new QualityError(
      `score: ${pair.train.name} has ${pair.train.channels}-channel images but the model makes ${config.in_channels}-channel ones`,
    );
  const fit = (ds: Dataset) => padOrResize(ds, side);
  return pair.test ? { train: fit(pair.train), test: fit(pair.test) } : { train: fit(pair.train) };
}

/** One scoring of generated images against a dataset. */
export interface DatasetScoreRequest {
  /** Names the dataset in the cache key (built-in id or file name). */
  datasetId: string;
  /** The dataset at the samples' size (pad or resize it first, as for training). */
  pair: DatasetPair;
  /** Makes the N generated images; called once the real images and the classifier are ready. */
  samples: () => Promise<ImageSet>;
  n: number;
  /** Draws the held-out real images. */
  seed: number;
  cache: ClassifierCache;
  recipe?: ClassifierRecipe;
  /** Progress and cancellation of the classifier's training, when it is not cached. */
  hooks?: TrainHooks;
}

/** The score plus where the classifier came from. */
export interface DatasetScore extends SampleScore {
  classifierCached: boolean;
  warnings: string[];
}

/** Runs the whole job; see the module comment. The classifier is freed before it returns. */
export async function scoreAgainstDataset(req: DatasetScoreRequest): Promise<DatasetScore> {
  const split = scoringSplit(req.pair);
  const real = drawImages(split.heldOut, req.n, req.seed);
  const ready = await ensureClassifier(req.datasetId, split.train, req.cache, req.recipe, req.hooks);
  try {
    const score = await scoreSamples(ready.classifier, await req.samples(), real, req.n);
    return { ...score, classifierCached: ready.cached, warnings: ready.warnings };
  } finally {
    ready.classifier.dispose();
  }
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
