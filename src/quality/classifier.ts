/**
 * The small CNN whose penultimate features the sample-quality score compares: the lab's stand-in
 * for Inception-v3, trained on the learner's own dataset so it knows its classes.
 *
 *   x (uint8 → [−1, 1], padded with −1 to a multiple of 2^L) → [2×2 conv, stride 2, ReLU] × L
 *     → global average pool → dense(featureDim), ReLU = features → dense(numClasses) = logits
 *
 * Features are post-ReLU like Inception's pool3 features in FID. The convolutions tile the image
 * without overlap, so each is a space-to-depth reshape plus one matMul: the same op as
 * tf.conv2d(x, w, 2, 'valid'), but with matMul/transpose gradients instead of tfjs' CPU
 * Conv2DBackpropFilter, which works one element at a time (batch 32 of 28×28 on two busy cores:
 * ~6 s per step for three 3×3 stride-2 convs, ~0.3 s for this net). That is what lets the CLI and
 * the unit tests train on the CPU backend. Parameters are plain tf.Variables named like a state dict
 * (`conv0.weight` HWIO [2, 2, in, out], `feature.weight` [in, out]), stored as is.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../diffusion/rng';
import { QualityError } from './errors';

/** The architecture; it fixes every parameter's shape. */
export interface ClassifierConfig {
  height: number;
  width: number;
  channels: 1 | 3;
  numClasses: number;
  /** Output channels of each 2×2 stride-2 conv: three halvings take 32×32 to 4×4 before the pool. */
  convChannels: number[];
  /** Width of the penultimate layer: 64 keeps Σ (64×64) well estimated from a few hundred images. */
  featureDim: number;
}

/** Defaults for the layers; the image size and class count come from the dataset. */
export const DEFAULT_LAYERS: Pick<ClassifierConfig, 'convChannels' | 'featureDim'> = {
  convChannels: [16, 32, 64],
  featureDim: 64,
};

/** Images as the data layer holds them: `count` uint8 HWC images, row-major, channels last. */
export interface ImageSet {
  images: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Shape of every parameter, in the order they are created and saved. */
export function parameterShapes(config: ClassifierConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  let inChannels: number = config.channels;
  config.convChannels.forEach((out, i) => {
    shapes.set(`conv${i}.weight`, [2, 2, inChannels, out]);
    shapes.set(`conv${i}.bias`, [out]);
    inChannels = out;
  });
  shapes.set('feature.weight', [inChannels, config.featureDim]);
  shapes.set('feature.bias', [config.featureDim]);
  shapes.set('head.weight', [config.featureDim, config.numClasses]);
  shapes.set('head.bias', [config.numClasses]);
  return shapes;
}

/** Checks a config (built or read from a file); throws QualityError naming the field and what is allowed. */
export function checkClassifierConfig(config: ClassifierConfig): ClassifierConfig {
  const positiveInt = (name: string, v: unknown, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
      throw new QualityError(
        `classifier config ${name} = ${JSON.stringify(v)} is not allowed; expected an integer from 1 to ${max}`,
      );
  };
  positiveInt('height', config.height, 1024);
  positiveInt('width', config.width, 1024);
  if (config.channels !== 1 && config.channels !== 3)
    throw new QualityError(
      `classifier config channels = ${JSON.stringify(config.channels)} is not allowed; expected 1 or 3`,
    );
  positiveInt('numClasses', config.numClasses, 1000);
  if (!Array.isArray(config.convChannels) || config.convChannels.length < 1 || config.convChannels.length > 6)
    throw new QualityError(
      `classifier config convChannels = ${JSON.stringify(config.convChannels)} is not allowed; expected 1 to 6 channel counts`,
    );
  config.convChannels.forEach((c, i) => positiveInt(`convChannels[${i}]`, c, 512));
  positiveInt('featureDim', config.featureDim, 512);
  return config;
}

/** Images per forward pass when embedding: bounds activation memory whatever the set size. */
const EMBED_BATCH = 128;

/** Features and class probabilities of a set of images, row-major. */
export interface Embedding {
  count: number;
  /** [count, featureDim] */
  features: Float32Array;
  /** [count, numClasses] */
  probs: Float32Array;
}

/** The classifier: its config, class names and variables; see the module comment. */
export class Classifier {
  readonly config: ClassifierConfig;
  readonly classNames: string[];
  private readonly vars = new Map<string, tf.Variable>();

  /**
   * Builds the variables from `values` (a restored file: every parameter, each of its shape's
   * size) or from a seed: He-uniform weights U(±√(6/fan_in)) and zero biases drawn from one Rng
   * stream in a fixed order, so a seed gives the same initial network on every backend.
   */
  constructor(
    config: ClassifierConfig,
    classNames: string[],
    init: { seed: number } | { values: Map<string, Float32Array> },
  ) {
    this.config = checkClassifierConfig(config);
    if (classNames.length !== config.numClasses)
      throw new QualityError(
        `classifier has ${config.numClasses} classes but ${classNames.length} class names were given`,
      );
    this.classNames = classNames;
    const shapes = parameterShapes(config);
    const values = 'seed' in init ? initialValues(shapes, init.seed) : checkedValues(shapes, init.values);
    for (const [name, shape] of shapes) {
      const value = tf.tensor(values.get(name) as Float32Array, shape, 'float32');
      this.vars.set(name, tf.variable(value, true));
      value.dispose();
    }
  }

  /** The variables in creation order, for an optimiser. */
  trainableVariables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Every parameter's current values, read with await data() (never a sync read on WebGPU). */
  async getWeights(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, v] of this.vars)
      out.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    return out;
  }

  /**
   * Features and logits for a float batch already mapped to [−1, 1] (NHWC). Intermediates are
   * disposed; usable inside optimizer.minimize.
   */
  forward(x: tf.Tensor4D): { features: tf.Tensor2D; logits: tf.Tensor2D } {
    return tf.tidy(() => {
      let h = padToMultiple(x, 2 ** this.config.convChannels.length);
      this.config.convChannels.forEach((_, i) => {
        h = tf.relu(
          tf.add(patchConv(h, this.param(`conv${i}.weight`) as tf.Tensor4D), this.param(`conv${i}.bias`)),
        ) as tf.Tensor4D;
      });
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      const features = tf.relu(
        tf.add(tf.matMul(pooled, this.param('feature.weight') as tf.Tensor2D), this.param('feature.bias')),
      ) as tf.Tensor2D;
      const logits = tf.add(
        tf.matMul(features, this.param('head.weight') as tf.Tensor2D),
        this.param('head.bias'),
      ) as tf.Tensor2D;
      return { features, logits };
    });
  }

  /** Uploads uint8 HWC images as a [−1, 1] float batch on the device (one multiply-add per pixel there). */
  inputBatch(images: Uint8Array, count: number): tf.Tensor4D {
    const { height, width, channels } = this.config;
    return tf.tidy(() => {
      const bytes = tf.tensor4d(new Int32Array(images), [count, height, width, channels], 'int32');
      return tf.sub(tf.mul(tf.cast(bytes, 'float32'), 2 / 255), 1) as tf.Tensor4D;
    });
  }

  /** Penultimate features and softmax probabilities of every image, in batches. */
  async embed(set: ImageSet): Promise<Embedding> {
    this.checkImages(set);
    const { featureDim, numClasses, height, width, channels } = this.config;
    const bytes = height * width * channels;
    const features = new Float32Array(set.count * featureDim);
    const probs = new Float32Array(set.count * numClasses);
    for (let start = 0; start < set.count; start += EMBED_BATCH) {
      const count = Math.min(EMBED_BATCH, set.count - start);
      const out = tf.tidy(() => {
        const x = this.inputBatch(set.images.subarray(start * bytes, (start + count) * bytes), count);
        const { features: f, logits } = this.forward(x);
        return { f, p: tf.softmax(logits) };
      });
      features.set((await out.f.data()) as Float32Array, start * featureDim);
      probs.set((await out.p.data()) as Float32Array, start * numClasses);
      out.f.dispose();
      out.p.dispose();
    }
    return { count: set.count, features, probs };
  }

  /** Penultimate features, [count, featureDim] row-major. */
  async features(set: ImageSet): Promise<Float32Array> {
    return (await this.embed(set)).features;
  }

  /** Class probabilities p(y|x), [count, numClasses] row-major. */
  async probs(set: ImageSet): Promise<Float32Array> {
    return (await this.embed(set)).probs;
  }

  /** Frees every variable; the classifier is unusable afterwards. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }

  /** Refuses images of another size or channel count than the classifier was trained on. */
  checkImages(set: ImageSet): void {
    const { height, width, channels } = this.config;
    if (set.height !== height || set.width !== width || set.channels !== channels)
      throw new QualityError(
        `images are ${set.height}×${set.width}×${set.channels} but the classifier takes ${height}×${width}×${channels} (H×W×C)`,
      );
    if (
      !Number.isInteger(set.count) ||
      set.count < 0 ||
      set.images.length < set.count * height * width * channels
    )
      throw new QualityError(
        `image set claims ${set.count} images but holds ${set.images.length} bytes (${height * width * channels} per image)`,
      );
  }

  private param(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new QualityError(`the classifier has no parameter "${name}"`);
    return v;
  }
}

/** He-uniform weights U(±√(6/fan_in)) and zero biases, drawn in parameter order from one stream. */
function initialValues(shapes: Map<string, number[]>, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const values = new Map<string, Float32Array>();
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (name.endsWith('.weight')) {
      const limit = Math.sqrt(6 / (size / shape[shape.length - 1]));
      for (let i = 0; i < size; i++) data[i] = (2 * rng.uniform() - 1) * limit;
    }
    values.set(name, data);
  }
  return values;
}

/** Restored values, all checked before a single variable is made (so a bad file leaks nothing). */
function checkedValues(
  shapes: Map<string, number[]>,
  values: Map<string, Float32Array>,
): Map<string, Float32Array> {
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    const restored = values.get(name);
    if (restored?.length !== size)
      throw new QualityError(
        `classifier parameter "${name}" ${restored ? `has ${restored.length} values` : 'is missing'}; shape [${shape.join(', ')}] needs ${size}`,
      );
  }
  const unexpected = [...values.keys()].filter((name) => !shapes.has(name));
  if (unexpected.length > 0)
    throw new QualityError(`classifier file has unexpected parameters: ${unexpected.join(', ')}`);
  return values;
}

/**
 * A 2×2 stride-2 convolution without bias over even-sized NHWC input, as space-to-depth and one
 * matMul: equal to tf.conv2d(x, w, 2, 'valid') with w HWIO [2, 2, in, out].
 */
export function patchConv(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const out = w.shape[3];
  // [n·h/2, dy, w/2, (dx, c)] → [n·h/2, w/2, dy, (dx, c)]: rank 4, as tfjs' CPU transpose costs per element and axis.
  const tiles = tf.transpose(tf.reshape(x, [(n * h) / 2, 2, wd / 2, 2 * c]), [0, 2, 1, 3]);
  const rows = tf.reshape(tiles, [(n * h * wd) / 4, 4 * c]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(rows, tf.reshape(w, [4 * c, out]) as tf.Tensor2D), [n, h / 2, wd / 2, out]);
}

/**
 * Pads with −1 (black) around the image, centred, to sides divisible by `multiple`, so every
 * halving is exact. Done on the input, which needs no gradient: a pad inside the network would
 * cost a slow strided Slice in the CPU backend's backward pass.
 */
function padToMultiple(x: tf.Tensor4D, multiple: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const extraH = (multiple - (h % multiple)) % multiple;
  const extraW = (multiple - (w % multiple)) % multiple;
  if (extraH === 0 && extraW === 0) return x;
  const top = Math.floor(extraH / 2);
  const left = Math.floor(extraW / 2);
  return tf.pad(
    x,
    [
      [0, 0],
      [top, extraH - top],
      [left, extraW - left],
      [0, 0],
    ],
    -1,
  );
}
