/**
 * Writes the input of pytorch_export_check.py: a small lab run (3 steps on 8 Shapes images, with
 * warm-up, mean/std inputs, dropout and EMA) saved as a lab checkpoint and exported for PyTorch.
 *
 *   npx tsx scripts/reference/pytorch_export_fixture.ts && /usr/bin/python3 scripts/reference/pytorch_export_check.py
 *
 * Rerun both after changing train.py or the export (src/pytorch/reference.golden.test.ts checks
 * that the fixture's lab_state is what the export writes now).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { applyOverrides, parseRunConfig, presetRunConfig } from '../../src/config';
import { generateShapes } from '../../src/data/shapes';
import { pytorchProjectFiles } from '../../src/pytorch/project';
import { prepareTrainingData } from '../../src/training/batch';
import { encodeCheckpoint } from '../../src/training/checkpoint';
import { installFastCpuKernels } from '../../src/training/cpuKernels';
import { RunMetrics } from '../../src/training/runMetrics';
import { Trainer } from '../../src/training/trainer';

const HERE = dirname(fileURLToPath(import.meta.url));
export const PROJECT_DIR = join(HERE, 'fixtures/pytorch_export');
export const CHECKPOINT_FILE = join(HERE, 'fixtures/pytorch_export_lab_checkpoint.safetensors');

await tf.setBackend('cpu');
installFastCpuKernels();
const config = parseRunConfig(
  applyOverrides(presetRunConfig('tiny'), {
    model: { block_out_channels: [8, 16], norm_num_groups: 4, dropout: 0.1 },
    training: { batchSize: 4, warmupSteps: 10, normalization: 'meanstd', targetSteps: 20 },
  }),
);
const data = prepareTrainingData({ train: generateShapes({ count: 8, seed: 3, size: 8 }) }, config);
const trainer = new Trainer(config, data);
const metrics = new RunMetrics(config.diffusion.num_train_timesteps);
for (let i = 0; i < 3; i++) {
  const report = await trainer.trainStep();
  if ('nonFinite' in report) throw new Error('a fixture step was not finite');
  metrics.record(report, i * 10);
}
const state = await trainer.captureState();
const meta = {
  runId: 'fixture',
  step: state.step,
  savedAt: 0,
  backend: 'cpu',
  config,
  metrics: metrics.state(),
};
const read = (name: string) => readFileSync(join(HERE, '../../src/pytorch/templates', name), 'utf8');
const files = pytorchProjectFiles({
  checkpoint: { meta, state },
  dataset: data.dataset,
  templates: { trainPy: read('train.py'), readme: read('README.md') },
});
rmSync(PROJECT_DIR, { recursive: true, force: true });
// train.py is the template verbatim (project.test.ts); the check loads the template itself.
files.delete('train.py');
for (const [path, bytes] of files) {
  mkdirSync(dirname(join(PROJECT_DIR, path)), { recursive: true });
  writeFileSync(join(PROJECT_DIR, path), bytes);
}
writeFileSync(CHECKPOINT_FILE, encodeCheckpoint(meta, state));
trainer.dispose();
console.log(`wrote ${PROJECT_DIR} (${files.size} files) and ${CHECKPOINT_FILE}`);
