import * as tf from '@tensorflow/tfjs';
import { writeSafetensors } from '../io/safetensors';
import { Rng } from '../diffusion/rng';
import { Classifier, parameterShapes, patchConv, type ClassifierConfig, type ImageSet } from './classifier';
import { CLASSIFIER_FORMAT, deserializeClassifier, serializeClassifier } from './classifierFile';
import { QualityError } from './errors';
import { weightsOf } from './testData';

const CONFIG: ClassifierConfig = {
  height: 12,
  width: 10,
  channels: 3,
  numClasses: 4,
  convChannels: [4, 8],
  featureDim: 6,
};
const NAMES = ['a', 'b', 'c', 'd'];

function randomImages(count: number, seed: number, config = CONFIG): ImageSet {
  const rng = new Rng(seed);
  const { height, width, channels } = config;
  return {
    images: Uint8Array.from({ length: count * height * width * channels }, () => rng.int(256)),
    count,
    height,
    width,
    channels,
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('patch convolution', () => {
  it('equals tf.conv2d with a 2×2 kernel and stride 2', () => {
    const rng = new Rng(5);
    const x = tf.tensor4d(rng.fillNormal(new Float32Array(2 * 6 * 4 * 3)), [2, 6, 4, 3]);
    const w = tf.tensor4d(rng.fillNormal(new Float32Array(2 * 2 * 3 * 5)), [2, 2, 3, 5]);
    const got = patchConv(x, w);
    const want = tf.conv2d(x, w, 2, 'valid');
    expect(got.shape).toEqual([2, 3, 2, 5]);
    expect(tf.max(tf.abs(tf.sub(got, want))).arraySync()).toBeLessThan(1e-5);
  });
});

describe('classifier', () => {
  it('has the documented parameter shapes', () => {
    expect(Object.fromEntries(parameterShapes(CONFIG))).toEqual({
      'conv0.weight': [2, 2, 3, 4],
      'conv0.bias': [4],
      'conv1.weight': [2, 2, 4, 8],
      'conv1.bias': [8],
      'feature.weight': [8, 6],
      'feature.bias': [6],
      'head.weight': [6, 4],
      'head.bias': [4],
    });
  });

  it('initialises the same weights from the same seed, other weights from another', async () => {
    const [a, b, c] = [1, 1, 2].map((seed) => new Classifier(CONFIG, NAMES, { seed }));
    expect(await weightsOf(a)).toEqual(await weightsOf(b));
    expect(await weightsOf(a)).not.toEqual(await weightsOf(c));
    const w = (await weightsOf(a))['conv1.weight'];
    // He-uniform: |w| ≤ √(6 / fan_in), fan_in = 2·2·4.
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 16));
    expect((await weightsOf(a))['conv1.bias'].every((v) => v === 0)).toBe(true);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('embeds sides that need padding, batch by batch, into features and probability rows', async () => {
    const classifier = new Classifier(CONFIG, NAMES, { seed: 3 });
    const set = randomImages(130, 9);
    const before = tf.memory().numTensors;
    const { features, probs, count } = await classifier.embed(set);
    expect(tf.memory().numTensors).toBe(before);
    expect([count, features.length, probs.length]).toEqual([130, 130 * 6, 130 * 4]);
    expect(features.every((v) => v >= 0)).toBe(true);
    for (let i = 0; i < count; i++)
      expect(probs[i * 4] + probs[i * 4 + 1] + probs[i * 4 + 2] + probs[i * 4 + 3]).toBeCloseTo(1, 5);
    // Image 129 is in the second batch of 128 and must not depend on the batching.
    const alone = await classifier.features({ ...set, images: set.images.subarray(129 * 360), count: 1 });
    expect(Array.from(alone).map((v, j) => Math.abs(v - features[129 * 6 + j]) < 1e-5)).toEqual(
      Array(6).fill(true),
    );
    classifier.dispose();
  });

  it('rejects bad configs and images of another size, naming the field or the sizes', async () => {
    expect(() => new Classifier({ ...CONFIG, channels: 2 as 1 }, NAMES, { seed: 0 })).toThrow(
      'classifier config channels = 2 is not allowed; expected 1 or 3',
    );
    expect(() => new Classifier({ ...CONFIG, convChannels: [] }, NAMES, { seed: 0 })).toThrow(
      'convChannels = [] is not allowed; expected 1 to 6 channel counts',
    );
    expect(() => new Classifier({ ...CONFIG, featureDim: 0 }, NAMES, { seed: 0 })).toThrow(
      'featureDim = 0 is not allowed',
    );
    expect(() => new Classifier(CONFIG, ['a'], { seed: 0 })).toThrow(
      'classifier has 4 classes but 1 class names were given',
    );
    const classifier = new Classifier(CONFIG, NAMES, { seed: 0 });
    await expect(classifier.embed(randomImages(2, 1, { ...CONFIG, channels: 1 }))).rejects.toThrow(
      'images are 12×10×1 but the classifier takes 12×10×3 (H×W×C)',
    );
    await expect(classifier.embed({ ...randomImages(2, 1), count: 3 })).rejects.toThrow(
      'image set claims 3 images but holds 720 bytes (360 per image)',
    );
    classifier.dispose();
  });
});

describe('classifier file', () => {
  it('restores a classifier that gives bit-identical features and probabilities', async () => {
    const original = new Classifier(CONFIG, NAMES, { seed: 11 });
    const restored = deserializeClassifier(await serializeClassifier(original));
    expect(restored.config).toEqual(CONFIG);
    expect(restored.classNames).toEqual(NAMES);
    const set = randomImages(5, 2);
    expect(await restored.embed(set)).toEqual(await original.embed(set));
    original.dispose();
    restored.dispose();
  });

  it('names what is wrong with a file that is not a classifier', async () => {
    const classifier = new Classifier(CONFIG, NAMES, { seed: 1 });
    const weights = await classifier.getWeights();
    classifier.dispose();
    const metadata = {
      format: CLASSIFIER_FORMAT,
      config: JSON.stringify(CONFIG),
      class_names: JSON.stringify(NAMES),
    };
    const file = (
      tensors: Map<string, { shape: number[]; data: Float32Array }>,
      meta: Record<string, string>,
    ) => writeSafetensors(tensors, meta);
    const without = (name: string) => new Map([...weights].filter(([n]) => n !== name));

    expect(() => deserializeClassifier(file(weights, { ...metadata, format: 'other' }))).toThrow(
      `not a classifier file: metadata format is "other", expected "${CLASSIFIER_FORMAT}"`,
    );
    expect(() => deserializeClassifier(file(weights, { ...metadata, config: '{' }))).toThrow(
      'metadata "config" is not valid JSON',
    );
    expect(() =>
      deserializeClassifier(file(weights, { format: CLASSIFIER_FORMAT, config: metadata.config })),
    ).toThrow('metadata has no "class_names"');
    expect(() => deserializeClassifier(file(without('head.bias'), metadata))).toThrow(
      'classifier parameter "head.bias" is missing; shape [4] needs 4',
    );
    const misShaped = new Map(weights).set('head.bias', { shape: [2, 2], data: new Float32Array(4) });
    expect(() => deserializeClassifier(file(misShaped, metadata))).toThrow(
      'classifier file: "head.bias" has shape [2, 2], the config needs [4]',
    );
    const extra = new Map(weights).set('stray', { shape: [1], data: new Float32Array(1) });
    expect(() => deserializeClassifier(file(extra, metadata))).toThrow(
      'classifier file has unexpected parameters: stray',
    );
    const nan = new Map(weights).set('head.bias', { shape: [4], data: Float32Array.from([0, NaN, 0, 0]) });
    expect(() => deserializeClassifier(file(nan, metadata))).toThrow(QualityError);
    expect(() => deserializeClassifier(file(nan, metadata))).toThrow('non-finite values in head.bias');
  });
});
