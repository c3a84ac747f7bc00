import * as tf from '@tensorflow/tfjs';
import { configModelTarget, nestedArchiveTarget, trainingDataTarget } from './composedTargets';
import { fuzzIt } from './fuzzTest';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('archives in archives under one load budget, fuzzed', () => {
  fuzzIt(nestedArchiveTarget);
});

describe('dataset loads into training data, fuzzed', () => {
  fuzzIt(trainingDataTarget);
});

describe('run configs into U-Nets, fuzzed', () => {
  fuzzIt(configModelTarget);
});
