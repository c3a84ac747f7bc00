/**
 * Checks the score's classifier on the WebGPU backend against the CPU backend: trains it briefly on
 * WebGPU, embeds held-out digits there, restores the same weights on the CPU and compares features
 * and scores; then trains on the CPU from the same seed and compares the weights.
 *
 *   LD_LIBRARY_PATH=/usr/lib/chromium npx tsx scripts/quality-webgpu-check.ts [steps]
 *
 * (On a machine without a GPU, Dawn runs on Chromium's SwiftShader Vulkan; see docs/browser.md.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/cli/backend';
import { deserializeClassifier, serializeClassifier } from '../src/quality/classifierFile';
import { scoreSamples } from '../src/quality/score';
import { subset } from '../src/quality/split';
import { TEST_RECIPE, mnistDigits, weightsOf } from '../src/quality/testData';
import { trainClassifier } from '../src/quality/trainClassifier';

const steps = Number(process.argv[2] ?? 30);
const recipe = { ...TEST_RECIPE, steps };
const { train, test } = await mnistDigits(
  async (p) => new Uint8Array(readFileSync(join(process.cwd(), 'public', p))),
  300,
  200,
);
const halfA = subset(
  test,
  Array.from({ length: 100 }, (_, i) => 2 * i),
);
const halfB = subset(
  test,
  Array.from({ length: 100 }, (_, i) => 2 * i + 1),
);

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

await useBackend('webgpu');
let started = performance.now();
const onGpu = await trainClassifier(train, recipe);
const gpuMs = performance.now() - started;
const gpuFeatures = await onGpu.features(test);
const gpuScore = await scoreSamples(onGpu, halfA, halfB, 100);
const bytes = await serializeClassifier(onGpu);
const leftOnGpu = tf.memory().numTensors - onGpu.trainableVariables().length;

await useBackend('cpu');
const restored = deserializeClassifier(bytes);
const cpuFeatures = await restored.features(test);
const cpuScore = await scoreSamples(restored, halfA, halfB, 100);
started = performance.now();
const onCpu = await trainClassifier(train, recipe);
const cpuMs = performance.now() - started;
const gpuWeights = await weightsOf(restored);
const cpuWeights = await weightsOf(onCpu);

console.log(
  JSON.stringify(
    {
      steps,
      train_ms: { webgpu: Math.round(gpuMs), cpu: Math.round(cpuMs) },
      same_weights_feature_max_abs_diff: maxAbs(gpuFeatures, cpuFeatures),
      same_weights_fcd: { webgpu: gpuScore.fcd, cpu: cpuScore.fcd },
      trained_weights_max_abs_diff: Math.max(
        ...Object.keys(cpuWeights).map((k) => maxAbs(cpuWeights[k], gpuWeights[k])),
      ),
      tensors_left_on_webgpu_besides_variables: leftOnGpu,
    },
    null,
    1,
  ),
);
