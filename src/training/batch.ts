/**
 * From a dataset to model inputs: the run's images (class filter, fitted to the model's side),
 * a seeded epoch order, and batches uploaded as bytes and normalised on the GPU.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../diffusion';
import { filterClass } from '../data/filter';
import { padOrResize } from '../data/resize';
import { normalization, type Normalization } from '../data/batch';
import { CIFAR10_CLASSES } from '../data/cifar';
import { MAX_FILE_BYTES, formatBytes } from '../data/errors';
import type { Dataset, DatasetPair } from '../data/types';
import type { DatasetId, InputNormalization, RunConfig } from '../config/runConfig';

/** A dataset that cannot feed this run; `code` tells the guard that answers it. */
export class TrainingDataError extends Error {
  override readonly name = 'TrainingDataError';
  constructor(
    readonly code: 'dataset-too-small' | 'dataset-mismatch',
    message: string,
  ) {
    super(message);
  }
}

/** The data.dataset id of user files: 'cifar10' when they look like it (32×32 RGB, its ten classes), else 'files'. */
export function datasetIdOfFiles(train: Dataset): DatasetId {
  const cifar =
    train.height === 32 &&
    train.width === 32 &&
    train.channels === 3 &&
    train.classNames.join() === CIFAR10_CLASSES.join();
  return cifar ? 'cifar10' : 'files';
}

/** The run's training images and the byte → input map its normalisation asks for. */
export interface TrainingData {
  dataset: Dataset;
  normalization: Normalization;
  /** Flips are on in the config and the dataset allows them. */
  flip: boolean;
}

/** Applies the class filter, fits images to `sample_size` (digits padded 28 → 32) and checks the batch fits. */
export function prepareTrainingData(pair: DatasetPair, config: RunConfig): TrainingData {
  const filtered = config.data.classFilter === null ? pair : filterClass(pair, config.data.classFilter);
  const side = config.model.sample_size as number;
  // Before the fitted copy is allocated: 10,000 digits fitted to a 1024² model would be 30 GB.
  const fitted = filtered.train.count * side * side * filtered.train.channels;
  if (fitted > MAX_FILE_BYTES)
    throw new TrainingDataError(
      'dataset-mismatch',
      `${filtered.train.name}: ${filtered.train.count} images fitted to sample_size ${side} take ${formatBytes(fitted)}, over the ${formatBytes(MAX_FILE_BYTES)} limit for a dataset; lower model.sample_size or use fewer images`,
    );
  const dataset = padOrResize(filtered.train, side);
  if (dataset.channels !== config.model.in_channels)
    throw new TrainingDataError(
      'dataset-mismatch',
      `${dataset.name} has ${dataset.channels} channel(s) but the model takes in_channels = ${config.model.in_channels}; choose a model for ${dataset.channels === 1 ? 'grayscale' : 'RGB'} images`,
    );
  const batch = config.training.batchSize;
  if (dataset.count < batch)
    throw new TrainingDataError(
      'dataset-too-small',
      `${dataset.name}${config.data.classFilter === null ? '' : ` (class ${config.data.classFilter})`} has ${dataset.count} training image(s), fewer than the batch size ${batch}; lower training.batchSize to at most ${dataset.count} or use more data`,
    );
  return {
    dataset,
    normalization: normalization(dataset, NORMALIZATION_KIND[config.training.normalization]),
    flip: config.training.flip && dataset.allowsFlip,
  };
}

/** The config's normalisation names → the data layer's. */
const NORMALIZATION_KIND: Record<InputNormalization, Normalization['kind']> = {
  unit: 'unit',
  meanstd: 'meanStd',
  'zero-one': 'zeroOne',
};

/** Where the epoch order stands: a checkpoint holds this to resume mid-epoch. */
export interface OrderState {
  epoch: number;
  cursor: number;
}

/**
 * Batches without replacement in a fresh random order each epoch (the last partial batch of an
 * epoch is dropped, so every batch has B images). The order of epoch e depends only on (seed, e).
 */
export class EpochOrder {
  private order: Uint32Array;
  private epoch = 0;
  private cursor = 0;

  constructor(
    private readonly count: number,
    private readonly batchSize: number,
    private readonly seed: number,
  ) {
    this.order = this.permutation(0);
  }

  /** Indices of the next batch. */
  next(): Uint32Array {
    if (this.cursor + this.batchSize > this.count) {
      this.epoch++;
      this.cursor = 0;
      this.order = this.permutation(this.epoch);
    }
    const batch = this.order.slice(this.cursor, this.cursor + this.batchSize);
    this.cursor += this.batchSize;
    return batch;
  }

  state(): OrderState {
    return { epoch: this.epoch, cursor: this.cursor };
  }

  load(state: OrderState): void {
    this.epoch = state.epoch;
    this.cursor = state.cursor;
    this.order = this.permutation(state.epoch);
  }

  /** Fisher–Yates with its own generator, seeded by (seed, epoch). */
  private permutation(epoch: number): Uint32Array {
    const rng = new Rng(this.seed * 2 ** 20 + epoch);
    const p = new Uint32Array(this.count);
    for (let i = 0; i < p.length; i++) p[i] = i;
    for (let i = p.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

/** A B×H×W×C byte batch on the GPU as model inputs: x = byte·scale[c] + offset[c]. */
export function uploadBatch(
  bytes: Uint8Array,
  shape: [number, number, number, number],
  norm: Normalization,
): tf.Tensor4D {
  return tf.tidy(() => {
    const raw = tf.tensor4d(Int32Array.from(bytes), shape, 'int32');
    return tf.add(
      tf.mul(tf.cast(raw, 'float32'), tf.tensor1d(norm.scale)),
      tf.tensor1d(norm.offset),
    ) as tf.Tensor4D;
  });
}
