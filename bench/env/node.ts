/**
 * Node entry of one benchmark case, bundled by esbuild into bench/out/node-case.mjs (tfjs-core,
 * the CPU and WebGPU backends, the model and the training step; nothing else to install).
 *
 *   node node-case.mjs --spec '<EnvSpec JSON>' [--dawn path/to/dawn.node]
 *
 * Events go to stdout as `@bench <json>` lines (tfjs prints its own notices there too).
 * WebGPU comes from Dawn's Node binding (the `webgpu` package's dawn.node), which needs a Vulkan
 * driver: the GPU's, or SwiftShader's via VK_ICD_FILENAMES on a machine without one.
 */
// The bundles map @tensorflow/tfjs to tfjs-core, which leaves gradient registration to the caller.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { registerWebGpuBackend } from '../../src/model/webgpu/device';
import { parseGpuFeatures, type GpuFeatureSwitches } from '../../src/model/webgpu/features';
import { installFastCpuKernels } from '../../src/training/cpuKernels';
import type { BenchEvent, EnvSpec } from '../lib/types';
import { runHostCost } from './hostCost';
import { runCase } from './runCase';

// As the lab's worker does: tfjs' own CPU filter-gradient and slice kernels allocate per element.
installFastCpuKernels();

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

function emit(e: BenchEvent): void {
  process.stdout.write(`@bench ${JSON.stringify(e)}\n`);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

/**
 * Loads Dawn, exposes navigator.gpu, then registers tfjs' WebGPU backend with the lab's device
 * request (src/model/webgpu/device.ts). `nullBackend`: Dawn's Null backend (validation only, no GPU work).
 */
async function initWebgpu(
  dawnPath: string,
  profile: boolean,
  nullBackend: boolean,
  gpuFeatures: GpuFeatureSwitches,
): Promise<string> {
  const dawn = createRequire(import.meta.url)(dawnPath) as DawnModule;
  Object.assign(globalThis, dawn.globals);
  // Timestamp queries (for --profile) are behind Dawn's unsafe APIs in some builds.
  const gpu = dawn.create([
    ...(profile ? ['enable-dawn-features=allow_unsafe_apis'] : []),
    ...(nullBackend ? ['backend=null'] : []),
  ]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  const adapter = await gpu.requestAdapter();
  if (!adapter)
    throw new Error(
      `Dawn (${dawnPath}) found no WebGPU adapter: is there a Vulkan driver (VK_ICD_FILENAMES)?`,
    );
  registerWebGpuBackend(gpu, gpuFeatures);
  const i = adapter.info;
  if (nullBackend) return 'webgpu Dawn Null backend (validation, no GPU work)';
  return `webgpu ${i.vendor}/${i.architecture}${i.description ? ` (${i.description})` : ''}`;
}

async function main(): Promise<void> {
  const specJson = arg('spec');
  if (!specJson)
    throw new Error('usage: node node-case.mjs --spec <EnvSpec JSON> [--dawn path/to/dawn.node]');
  const spec = JSON.parse(specJson) as EnvSpec;
  let device = 'cpu (tfjs plain JS, one thread)';
  if (spec.device === 'webgpu') {
    const dawn = arg('dawn');
    if (!dawn) throw new Error('--dawn path/to/dawn.node is required for the webgpu backend');
    const { switches, error } = parseGpuFeatures(spec.gpuFeatures);
    if (error) throw new Error(error);
    device = await initWebgpu(dawn, spec.profile === true, spec.hostPath !== undefined, switches);
  }
  if (!(await tf.setBackend(spec.device)))
    throw new Error(`tfjs could not initialise the ${spec.device} backend`);
  await tf.ready();
  if (tf.getBackend() !== spec.device)
    throw new Error(`tfjs runs on ${tf.getBackend()}, not the requested ${spec.device}`);
  if (spec.hostPath) await runHostCost(spec, device, emit);
  else await runCase(spec, device, emit);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    emit({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  },
);
