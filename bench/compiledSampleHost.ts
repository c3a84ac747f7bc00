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
import { writeFileSync } from 'node:fs';
import { presetConfig, type UNetPresetName } from '../src/model/presets';
import { UNet } from '../src/model/unet';
import { compiledSamplerFor } from '../src/sampling/compiled/compiledSampler';
import type { SampleOptions } from '../src/sampling/options';
import { sample } from '../src/sampling/runner';
import { arg, cpuNs, startNullWebGpu } from './lib/nullHost';

const presets = arg('presets', 'tiny,mnist').split(',') as UNetPresetName[];
const images = Number(arg('images', '4'));
const steps = Number(arg('steps', '10'));
const frames = arg('frames', 'none');
const jsonOut = arg('json', '');

const { backend, dispatches } = await startNullWebGpu();
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
    const [d0, w0, t0] = [dispatches(), written, cpuNs()];
    await sample(unet, {}, options, { loop });
    return {
      ms: (cpuNs() - t0) / 1e6 / steps,
      dispatches: (dispatches() - d0) / steps,
      bytes: (written - w0) / steps,
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
    hostRandomValuesPerStep: 0,
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
