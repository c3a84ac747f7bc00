/**
 * The lab's WebGPU device for tfjs. tfjs-backend-webgpu registers a `webgpu` backend whose factory
 * asks the adapter for a device; the lab registers its own factory in its place, so the device
 * it trains on always has the adapter's largest storage-buffer binding and buffer
 * (`maxStorageBufferBindingSize`, `maxBufferSize`) whatever tfjs' version requests: WebGPU's
 * defaults (128 and 256 MiB) are less than a paper-size model's flat parameter buffer
 * (`training/compiled/compiledStep.ts`, which says so when a model does not fit what was granted).
 * Used by the worker (browser), the CLI and the bench (Dawn in Node) alike.
 */
import * as tf from '@tensorflow/tfjs';
// Imported here, before any registration of the lab's: tfjs' own (when navigator.gpu exists at
// import) then comes first and is replaced, instead of displacing the lab's later.
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import {
  featuresToRequest,
  missingFeatureMessages,
  NO_GPU_FEATURES,
  setKernelFeatures,
  switchesOf,
  type GpuFeatureSwitches,
} from './features';

/**
 * Limits requested at the adapter's maximum: the two the lab's big buffers need, and those tfjs'
 * own factory raises for its kernels (workgroup storage, size and count).
 */
export const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

/**
 * Features tfjs uses when the adapter has them (timestamps for `tf.profile`). They change no
 * generated WGSL; the lab's shader features (`subgroups`, `shader-f16`) are switches, see `features.ts`.
 */
const OPTIONAL_FEATURES: readonly GPUFeatureName[] = ['timestamp-query', 'bgra8unorm-storage'];

/** What of an adapter the device request reads. */
export type AdapterLimits = Pick<GPUAdapter, 'features' | 'limits'>;

/** `navigator.gpu`, or Dawn's equivalent in Node. */
export type GpuLike = Pick<GPU, 'requestAdapter'>;

/**
 * The device request for an adapter: its maximum for each of {@link REQUESTED_LIMITS}, tfjs'
 * optional features it has, and each feature `switches` turns on that it has.
 */
export function deviceDescriptor(
  adapter: AdapterLimits,
  switches: GpuFeatureSwitches = NO_GPU_FEATURES,
): GPUDeviceDescriptor {
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  return {
    requiredFeatures: [
      ...OPTIONAL_FEATURES.filter((f) => adapter.features.has(f)),
      ...(featuresToRequest(switches, adapter) as GPUFeatureName[]),
    ],
    requiredLimits,
  };
}

/**
 * Registers tfjs' `webgpu` backend with the lab's device request, in place of tfjs' own; call it
 * before `tf.setBackend('webgpu')`. Returns false, changing nothing, where there is no WebGPU
 * (`gpu` missing) or the backend already runs (its device is made; replacing it would drop every
 * tensor on it). `switches` turns optional shader features on (`features.ts`): each one the adapter
 * lacks is passed to `warn` (a message naming it and the adapter) and the lab runs without it;
 * the kernel generators then follow what the device was granted.
 */
export function registerWebGpuBackend(
  gpu: GpuLike | undefined = globalThis.navigator?.gpu,
  switches: GpuFeatureSwitches = NO_GPU_FEATURES,
  warn: (message: string) => void = console.warn,
): boolean {
  if (!gpu || tf.findBackend('webgpu')) return false;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const powerPreference = tf.env().getBool('WEBGPU_USE_LOW_POWER_GPU') ? 'low-power' : 'high-performance';
      const adapter = await gpu.requestAdapter({ powerPreference });
      if (!adapter) throw new Error('WebGPU: requestAdapter() returned no adapter');
      for (const message of missingFeatureMessages(switches, adapter)) warn(message);
      const device = await adapter.requestDevice(deviceDescriptor(adapter, switches));
      setKernelFeatures(switchesOf(device));
      return new WebGPUBackend(device, adapter.info);
    },
    // tfjs' own priority for webgpu: above WebGL (2) and the CPU (1).
    3,
  );
  return true;
}
