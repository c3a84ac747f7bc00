/**
 * Trains the score's classifier on a labelled dataset: Adam on softmax cross-entropy over seeded
 * shuffled mini-batches (a fresh Rng permutation per epoch). With the same seed, data and backend
 * the weights come out the same, which is what lets a cached classifier stand in for a retrained one.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/types';
import { sampleBatch } from '../data/batch';
import { Rng } from '../diffusion/rng';
import { Classifier, DEFAULT_LAYERS, type ClassifierConfig } from './classifier';
import { QualityError } from './errors';
import { permutation } from './split';

/** The training recipe; part of the cache key, so changing any of it retrains. */
export interface ClassifierRecipe {
  seed: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  convChannels: number[];
  featureDim: number;
}

/**
 * Defaults sized for the lab's datasets (28–32 px, 4–10 classes): 600 Adam steps of 64 images
 * reach ~95% on MNIST and take seconds on a GPU, minutes on the CLI's CPU backend.
 */
export const DEFAULT_RECIPE: ClassifierRecipe = {
  seed: 0,
  steps: 600,
  batchSize: 64,
  learningRate: 3e-3,
  ...DEFAULT_LAYERS,
};

/** Progress reports and cancellation, as the worker's other long jobs take them. */
export interface TrainHooks {
  /** Called every `progressEvery` steps and at the end with the mean loss since the last call. */
  onProgress?: (step: number, steps: number, loss: number) => void;
  /** Steps between reports (default 50); training also yields to the event loop there. */
  progressEvery?: number;
  /** Checked before every step; a set flag stops training with an AbortError. */
  signal?: { readonly aborted: boolean };
}

/** Checks a recipe; throws QualityError naming the field and the allowed range. */
export function checkRecipe(recipe: ClassifierRecipe): ClassifierRecipe {
  const check = (name: keyof ClassifierRecipe, ok: boolean, allowed: string) => {
    if (!ok)
      throw new QualityError(
        `classifier recipe ${name} = ${JSON.stringify(recipe[name])} is not allowed; expected ${allowed}`,
      );
  };
  check('seed', Number.isSafeInteger(recipe.seed), 'a safe integer');
  check(
    'steps',
    Number.isInteger(recipe.steps) && recipe.steps >= 1 && recipe.steps <= 1_000_000,
    'an integer from 1 to 1,000,000',
  );
  check(
    'batchSize',
    Number.isInteger(recipe.batchSize) && recipe.batchSize >= 1 && recipe.batchSize <= 1024,
    'an integer from 1 to 1024',
  );
  check(
    'learningRate',
    Number.isFinite(recipe.learningRate) && recipe.learningRate > 0 && recipe.learningRate <= 1,
    'a number in (0, 1]',
  );
  return recipe;
}

/** The classifier architecture for a dataset under a recipe. */
export function classifierConfigFor(train: Dataset, recipe: ClassifierRecipe): ClassifierConfig {
  return {
    height: train.height,
    width: train.width,
    channels: train.channels,
    numClasses: train.classNames.length,
    convChannels: recipe.convChannels,
    featureDim: recipe.featureDim,
  };
}

/** Trains a fresh classifier on `train` (images and labels); see the module comment. */
export async function trainClassifier(
  train: Dataset,
  recipe: ClassifierRecipe,
  hooks: TrainHooks = {},
): Promise<Classifier> {
  checkRecipe(recipe);
  const present = new Set(train.labels.subarray(0, train.count)).size;
  if (present < 2)
    throw new QualityError(
      `${train.name}: the score's classifier needs images of at least 2 classes to learn features, this split has ${present}`,
    );
  const classifier = new Classifier(classifierConfigFor(train, recipe), train.classNames, {
    seed: recipe.seed,
  });
  const optimizer = tf.train.adam(recipe.learningRate);
  const rng = new Rng(recipe.seed);
  const batch = Math.min(recipe.batchSize, train.count);
  const every = hooks.progressEvery ?? 50;
  let order: Uint32Array = new Uint32Array(0);
  let cursor = 0;
  // The loss is summed on the device and read once per report: the read is also where a worker
  // yields to its message queue (so a cancel can arrive) and lets the GPU catch up.
  let lossSum = tf.scalar(0);
  let lossCount = 0;
  try {
    for (let step = 1; step <= recipe.steps; step++) {
      if (hooks.signal?.aborted) throw new DOMException('classifier training was cancelled', 'AbortError');
      if (cursor + batch > order.length) {
        order = permutation(train.count, rng);
        cursor = 0;
      }
      const indices = order.subarray(cursor, cursor + batch);
      cursor += batch;
      const labels = Int32Array.from(indices, (i) => train.labels[i]);
      const cost = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const x = classifier.inputBatch(sampleBatch(train, indices), batch);
            const target = tf.oneHot(tf.tensor1d(labels, 'int32'), train.classNames.length);
            return tf.losses.softmaxCrossEntropy(target, classifier.forward(x).logits) as tf.Scalar;
          }),
        true,
        classifier.trainableVariables(),
      ) as tf.Scalar;
      const sum = tf.add(lossSum, cost) as tf.Scalar;
      lossSum.dispose();
      cost.dispose();
      lossSum = sum;
      lossCount++;
      if (step % every === 0 || step === recipe.steps) {
        const mean = (await lossSum.data())[0] / lossCount;
        hooks.onProgress?.(step, recipe.steps, mean);
        lossSum.dispose();
        lossSum = tf.scalar(0);
        lossCount = 0;
      }
    }
  } catch (e) {
    classifier.dispose();
    throw e;
  } finally {
    lossSum.dispose();
    optimizer.dispose();
  }
  return classifier;
}
