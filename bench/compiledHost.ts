/**
 * Host cost of a training step on Dawn's Null backend (full WebGPU validation, no GPU work), the
 * tfjs path against the compiled step, in one process: main-thread CPU time per step from
 * /proc/thread-self/schedstat, dispatches per step, random values the host draws and bytes it
 * uploads per step, and the compiled step's dispatches by kernel. Not yet part of `npm run bench` (issue 14's `--backends node-null`).
 *
 *   npx tsx bench/compiledHost.ts --presets tiny,mnist,cifar-small --batch 4 --steps 5 [--json OUT.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { UNetPresetName } from '../src/model/presets';
import { normalization } from '../src/data/batch';
import { Trainer } from '../src/training/trainer';
import { webGpuBackend } from '../src/training/compiled/backend';
import { benchRunConfig, syntheticDataset } from './env/trainStep';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const presets = arg('presets', 'tiny,mnist,cifar-small').split(',') as UNetPresetName[];
const batch = Number(arg('batch', '4'));
const steps = Number(arg('steps', '5'));
const jsonOut = arg('json', '');

/** Main-thread CPU nanoseconds so far. */
const cpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);

const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
Object.assign(globalThis, { navigator: { gpu: create(['backend=null']) } });
await import('@tensorflow/tfjs-backend-webgpu');
if (!(await tf.setBackend('webgpu'))) throw new Error('no WebGPU backend on Dawn null');

const backend = webGpuBackend();
let dispatches = 0;
const record = backend.recordAndSubmit;
backend.recordAndSubmit = (...args) => {
  dispatches++;
  record.apply(backend, args);
};

const rows = [];
for (const preset of presets) {
  const config = benchRunConfig(preset, batch, 1);
  const dataset = syntheticDataset(config, 1);
  const data = { dataset, normalization: normalization(dataset, 'unit'), flip: dataset.allowsFlip };
  const measure = async (trainer: Trainer) => {
    await trainer.trainStep(); // compiles shaders (tfjs) or builds the plan (compiled)
    const d0 = dispatches;
    const t0 = cpuNs();
    for (let i = 0; i < steps; i++) await trainer.trainStep();
    return { ms: (cpuNs() - t0) / 1e6 / steps, dispatches: (dispatches - d0) / steps };
  };
  const tfjsTrainer = new Trainer(config, data, { compiled: false });
  const tfjsPath = await measure(tfjsTrainer);
  tfjsTrainer.dispose();
  const compiledTrainer = new Trainer(config, data, { compiled: true });
  const compiledPath = await measure(compiledTrainer);
  const compiled = compiledTrainer.compiledStep();
  const row = {
    preset,
    batch,
    tfjsDispatchesPerStep: tfjsPath.dispatches,
    tfjsHostMsPerStep: +tfjsPath.ms.toFixed(2),
    dispatchesPerStep: compiled.dispatchesPerStep,
    hostMsPerStep: +compiledPath.ms.toFixed(2),
    hostRandomValuesPerStep: 0,
    uploadBytesPerStep: compiled.uploadBytesPerStep,
    activationMB: +(compiled.slotBytes / 2 ** 20).toFixed(1),
    unsharedActivationMB: +(compiled.unsharedBytes / 2 ** 20).toFixed(1),
    /** Compiled dispatches per step by kernel (lab kernel name or tfjs shader key), most first. */
    kernels: Object.fromEntries([...compiled.kernelCounts].sort((a, b) => b[1] - a[1])),
  };
  compiledTrainer.dispose();
  console.log(JSON.stringify(row));
  rows.push(row);
}
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(rows, null, 2)}\n`);
