/**
 * Browser entry of one benchmark case, bundled by esbuild into bench/out/browser-case.js and
 * loaded into a blank page by bench/lib/browserCase.ts. The page calls `benchRun(spec)`; events
 * go out through `benchEmit`, which Playwright exposes.
 */
// The bundles map @tensorflow/tfjs to tfjs-core, which leaves gradient registration to the caller.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs';
import { registerWebGpuBackend } from '../../src/model/webgpu/device';
import { installFastCpuKernels } from '../../src/training/cpuKernels';
import type { BenchEvent, EnvSpec } from '../lib/types';
import { runCase } from './runCase';

// As the lab's worker does: tfjs' own CPU filter-gradient and slice kernels allocate per element.
installFastCpuKernels();

declare global {
  interface Window {
    benchEmit(e: BenchEvent): Promise<void>;
    benchRun(spec: EnvSpec): Promise<void>;
  }
}

async function describe(backend: string): Promise<string> {
  if (backend === 'webgpu') {
    const adapter = await navigator.gpu?.requestAdapter();
    const i = adapter?.info;
    return i ? `webgpu ${i.vendor}/${i.architecture}${i.description ? ` (${i.description})` : ''}` : 'webgpu';
  }
  if (backend === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = ext && gl ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : '';
    // "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)"
    return `webgl2 ${renderer.replace(/^ANGLE \((.*)\)$/, '$1').replace(/\s*\(0x[0-9A-Fa-f]+\)/g, '')}`.trim();
  }
  return backend;
}

window.benchRun = async (spec: EnvSpec) => {
  const emit = (e: BenchEvent) => void window.benchEmit(e);
  try {
    // As the lab's worker: its device request (the adapter's largest buffers), not tfjs' own.
    if (spec.device === 'webgpu') registerWebGpuBackend();
    // setBackend falls back silently: check what really runs.
    const ok = await tf.setBackend(spec.device);
    await tf.ready();
    if (!ok || tf.getBackend() !== spec.device)
      throw new Error(`this browser cannot run tfjs on ${spec.device} (tfjs is on ${tf.getBackend()})`);
    await runCase(spec, await describe(spec.device), emit);
  } catch (e) {
    emit({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
