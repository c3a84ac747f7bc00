/**
 * The score's classifier as one safetensors file (F32 tensors in the classifier's own layouts,
 * see classifier.ts), with its config and class names in the header metadata, so a cache entry
 * restores without knowing the recipe that trained it.
 */
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../io/safetensors';
import { Classifier, checkClassifierConfig, parameterShapes, type ClassifierConfig } from './classifier';
import { QualityError } from './errors';

/** The metadata `format` value; a file without it is not a classifier file. */
export const CLASSIFIER_FORMAT = 'diffusion-lab-classifier/1';

/** The classifier's weights, config and class names as safetensors bytes. */
export async function serializeClassifier(classifier: Classifier): Promise<Uint8Array> {
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, { shape, data }] of await classifier.getWeights()) tensors.set(name, { shape, data });
  return writeSafetensors(tensors, {
    format: CLASSIFIER_FORMAT,
    config: JSON.stringify(classifier.config),
    class_names: JSON.stringify(classifier.classNames),
  });
}

/** Restores a classifier from {@link serializeClassifier}'s bytes; anything else is a QualityError naming the problem. */
export function deserializeClassifier(bytes: Uint8Array): Classifier {
  const file = readSafetensors(bytes);
  const { format } = file.metadata;
  if (format !== CLASSIFIER_FORMAT)
    throw new QualityError(
      `not a classifier file: metadata format is ${JSON.stringify(format)}, expected "${CLASSIFIER_FORMAT}"`,
    );
  const config = checkClassifierConfig(parseJson<ClassifierConfig>(file.metadata.config, 'config'));
  const classNames = parseJson<string[]>(file.metadata.class_names, 'class_names');
  if (!Array.isArray(classNames) || !classNames.every((n) => typeof n === 'string'))
    throw new QualityError('classifier file: metadata class_names must be a JSON array of strings');
  if (file.nonFinite.length > 0)
    throw new QualityError(`classifier file: non-finite values in ${file.nonFinite.join(', ')}`);
  const values = new Map<string, Float32Array>();
  for (const [name, shape] of parameterShapes(config)) {
    const tensor = file.tensors.get(name);
    if (tensor && tensor.shape.join(',') !== shape.join(','))
      throw new QualityError(
        `classifier file: "${name}" has shape [${tensor.shape.join(', ')}], the config needs [${shape.join(', ')}]`,
      );
  }
  for (const [name, tensor] of file.tensors) values.set(name, tensor.data);
  return new Classifier(config, classNames, { values });
}

function parseJson<T>(text: string | undefined, key: string): T {
  if (text === undefined) throw new QualityError(`classifier file: metadata has no "${key}"`);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new QualityError(`classifier file: metadata "${key}" is not valid JSON (${(e as Error).message})`);
  }
}
