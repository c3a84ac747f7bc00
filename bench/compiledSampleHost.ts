/**
 * Host cost of a reverse step on Dawn's Null backend (full WebGPU validation, no GPU work): the
 * tfjs sampling loop against the compiled sampler, same model, seed and options, in one process.
 * Main-thread CPU time per step from /proc/thread-self/schedstat, dispatches per step, random
 * values the host draws and bytes it writes per step. A warm-up run of each loop first (shaders,
 * the compiled sampler's capture). Frames: `--frames all` records every step (read back through
 * the staging ring), `none` records none.
 *
 *   npx tsx bench/compiledSampleHost.ts --presets tiny,mnist --images 4 --steps 10 [--frames none|all] [--json OUT.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { presetConfig, type UNetPresetName } from '../src/model/presets';
import { registerWebGpuBackend } from '../src/model/webgpu/device';
import { hostDraws } from '../src/random/draws';
import { UNet } from '../src/model/unet';
import { compiledSamplerFor } from '../src/sampling/compiled/compiledSampler';
import type { SampleOptions } from '../src/sampling/options';
import { sample } from '../src/sampling/runner';
import { webGpuBackend } from '../src/training/compiled/backend';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const presets = arg('presets', 'tiny,mnist').split(',') as UNetPresetName[];
const images = Number(arg('images', '4'));
const steps = Number(arg('steps', '10'));
const frames = arg('frames', 'none');
const jsonOut = arg('json', '');

/** Main-thread CPU nanoseconds so far. */
const cpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);

const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const gpu = create(['backend=null']);
Object.assign(globalThis, { navigator: { gpu } });
registerWebGpuBackend(gpu);
if (!(await tf.setBackend('webgpu'))) throw new Error('no WebGPU backend on Dawn null');
const backend = webGpuBackend();
// Programs tfjs records (the compiled loop's own dispatches are counted from its lists).
let recorded = 0;
const record = backend.recordAndSubmit;
backend.recordAndSubmit = (...args) => {
  recorded++;
  record.apply(backend, args);
};
const dispatches = () => recorded;
// Bytes the host writes into GPU buffers (tfjs uploads and uniforms included), per loop.
let written = 0;
const writeBuffer = backend.queue.writeBuffer;
backend.queue.writeBuffer = ((...args: Parameters<GPUQueue['writeBuffer']>) => {
  const [, , data, dataOffset = 0, size] = args;
  written += size ?? (data as ArrayBuffer).byteLength - dataOffset;
  return writeBuffer.apply(backend.queue, args);
}) as GPUQueue['writeBuffer'];

const rows = [];
for (const preset of presets) {
  const unet = new UNet(presetConfig(preset), { seed: 1 });
  const options: SampleOptions = {
    sampler: 'ddpm',
    numInferenceSteps: steps,
    numImages: images,
    maxBatch: images,
    seed: 1,
    frameBudgetBytes: frames === 'all' ? 2 ** 40 : 0,
  };
  const measure = async (loop: 'auto' | 'tfjs') => {
    await sample(unet, {}, options, { loop }); // compiles shaders (tfjs) or captures the forward (compiled)
    const [d0, w0, r0, t0] = [dispatches(), written, hostDraws.values, cpuNs()];
    await sample(unet, {}, options, { loop });
    return {
      ms: (cpuNs() - t0) / 1e6 / steps,
      dispatches: (dispatches() - d0) / steps,
      bytes: (written - w0) / steps,
      randomValues: (hostDraws.values - r0) / steps,
    };
  };
  const tfjsLoop = await measure('tfjs');
  const compiledLoop = await measure('auto');
  const sampler = compiledSamplerFor(unet, { numImages: images, ...sizeOf(unet) }, images);
  if (!sampler?.lastRun) throw new Error('the compiled loop did not run');
  const row = {
    preset,
    images,
    steps,
    frames,
    tfjsDispatchesPerStep: tfjsLoop.dispatches,
    tfjsHostMsPerStep: +tfjsLoop.ms.toFixed(2),
    tfjsUploadBytesPerStep: Math.round(tfjsLoop.bytes),
    dispatchesPerStep: sampler.dispatchesPerStep(images),
    hostMsPerStep: +compiledLoop.ms.toFixed(3),
    uploadBytesPerStep: sampler.lastRun.uploadBytesPerStep,
    hostWrittenBytesPerStep: Math.round(compiledLoop.bytes),
    hostRandomValuesPerStep: compiledLoop.randomValues,
    tfjsHostRandomValuesPerStep: tfjsLoop.randomValues,
    activationMB: +(sampler.slotBytes / 2 ** 20).toFixed(1),
    unsharedActivationMB: +(sampler.unsharedBytes / 2 ** 20).toFixed(1),
  };
  sampler.dispose();
  unet.dispose();
  console.log(JSON.stringify(row));
  rows.push(row);
}
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(rows, null, 2)}\n`);

function sizeOf(unet: UNet): { height: number; width: number; channels: number } {
  const size = unet.config.sample_size as number | [number, number];
  const [height, width] = typeof size === 'number' ? [size, size] : size;
  return { height, width, channels: unet.config.in_channels };
}
