/**
 * Chooses the tfjs backend: WebGPU, then WebGL, then the plain-JS CPU backend.
 *
 * `tf.setBackend` that fails falls back silently, so every attempt is verified with
 * `tf.getBackend()` after `tf.ready()`, and each rejected backend leaves a reason the UI shows.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWebGpuBackend } from '../model/webgpu/device';
import {
  kernelFeatures,
  NO_GPU_FEATURES,
  switchedOn,
  type GpuFeatureSwitches,
} from '../model/webgpu/features';
import {
  BACKENDS,
  type AdapterInfo,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
} from './protocol';

type GpuLike = { requestAdapter(): Promise<GPUAdapter | null> };

async function webgpuAdapter(): Promise<{ adapter?: AdapterInfo; reason?: string }> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { reason: 'WebGPU: navigator.gpu is missing (this browser does not expose WebGPU here)' };
  const adapter = await gpu.requestAdapter();
  if (!adapter)
    return { reason: 'WebGPU: requestAdapter() returned no adapter (no usable GPU or WebGPU is disabled)' };
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: Boolean(
        info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
      ),
      features: [...adapter.features].sort(),
    },
  };
}

async function tryBackend(
  name: BackendName,
  gpuFeatures: GpuFeatureSwitches,
  missing: string[],
): Promise<string | undefined> {
  try {
    // The lab's device request (the adapter's largest buffers, the switched-on features it has), in place of tfjs' own.
    if (name === 'webgpu') registerWebGpuBackend(undefined, gpuFeatures, (m) => missing.push(m));
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (ok && tf.getBackend() === name) return undefined;
    return `${name}: tfjs could not initialise it (now on ${tf.getBackend() ?? 'none'})`;
  } catch (e) {
    return `${name}: ${(e as Error).message}`;
  }
}

/**
 * Initialises tfjs on the requested backend (or the best available) and reports what happened;
 * on WebGPU with the optional shader features `gpuFeatures` switches on, where the adapter has them.
 */
export async function initBackend(
  requested: BackendRequest,
  gpuFeatures: GpuFeatureSwitches = NO_GPU_FEATURES,
): Promise<BackendInfo> {
  const order: BackendName[] =
    requested === 'auto' ? [...BACKENDS] : [requested, ...BACKENDS.filter((b) => b !== requested)];
  const fallbackReasons: string[] = [];
  for (const name of order) {
    let adapter: AdapterInfo | undefined;
    if (name === 'webgpu') {
      const probe = await webgpuAdapter();
      if (probe.reason) {
        fallbackReasons.push(probe.reason);
        continue;
      }
      adapter = probe.adapter;
    }
    const missing: string[] = [];
    const reason = await tryBackend(name, gpuFeatures, missing);
    if (reason) {
      fallbackReasons.push(reason);
      continue;
    }
    const asked = switchedOn(gpuFeatures).length > 0;
    return {
      name,
      requested,
      adapter,
      fallbackReasons,
      ...(asked && name === 'webgpu'
        ? { gpuFeatures: { granted: switchedOn(kernelFeatures()), missing } }
        : {}),
    };
  }
  throw new Error(`No tfjs backend could be initialised: ${fallbackReasons.join('; ')}`);
}
