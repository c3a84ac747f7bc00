/**
 * tfjs backend selection for the CLI: the pure-JS CPU backend by default, or WebGPU through the
 * `webgpu` package (Dawn for Node) on a Vulkan driver. `webgpu` is an optional dependency (it ships
 * prebuilt Dawn binaries for a few platforms only), so only `--backend webgpu` needs it.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWebGpuBackend } from '../model/webgpu/device';
import { NO_GPU_FEATURES, parseGpuFeatures, type GpuFeatureSwitches } from '../model/webgpu/features';
import type { BackendName } from '../worker/protocol';
import { UsageError } from './args';
import { hasSystemVulkanDriver, vulkanEnvironment } from './vulkan';

/** The backends the CLI offers, of the lab's {@link BackendName}s (Node has no WebGL). */
export const CLI_BACKENDS = ['cpu', 'webgpu'] as const satisfies readonly BackendName[];
/** One of {@link CLI_BACKENDS}. */
export type CliBackend = (typeof CLI_BACKENDS)[number];

/** Validates a --backend value. */
export function parseBackend(value: string | undefined): CliBackend {
  if (value === undefined) return 'cpu';
  if ((CLI_BACKENDS as readonly string[]).includes(value)) return value as CliBackend;
  throw new UsageError(`--backend ${value} is not supported; backends: ${CLI_BACKENDS.join(', ')}`);
}

/** The flag of the optional WebGPU shader features, and what it takes. */
export const GPU_FEATURES_FLAG = '[--gpu-features subgroups,shader-f16]';

/** Validates a --gpu-features value (`model/webgpu/features.ts`): WebGPU only, known names only. */
export function parseGpuFeaturesFlag(value: string | undefined, backend: CliBackend): GpuFeatureSwitches {
  if (value === undefined) return { ...NO_GPU_FEATURES };
  if (backend !== 'webgpu') throw new UsageError(`--gpu-features ${value} needs --backend webgpu`);
  const { switches, error } = parseGpuFeatures(value);
  if (error) throw new UsageError(`--gpu-features: ${error}`);
  return switches;
}

/**
 * Activates the backend and returns the name tfjs reports, failing loudly instead of falling back.
 * On WebGPU, `gpuFeatures` switches optional shader features on; one the adapter lacks is said on
 * stderr and the run goes on without it.
 */
export async function useBackend(
  name: CliBackend,
  gpuFeatures: GpuFeatureSwitches = NO_GPU_FEATURES,
): Promise<string> {
  // Production mode drops tfjs' Node banner and debug checks; the CLI's stderr is for its own errors.
  tf.enableProdMode();
  if (name === 'webgpu') await registerWebGpu(gpuFeatures);
  if (!(await tf.setBackend(name))) throw new Error(`the tfjs ${name} backend failed to initialise`);
  await tf.ready();
  if (tf.getBackend() !== name)
    throw new Error(`asked for the ${name} backend, tfjs runs ${tf.getBackend()}`);
  return name;
}

async function registerWebGpu(gpuFeatures: GpuFeatureSwitches): Promise<void> {
  // Without a GPU driver, Dawn runs on Chromium's SwiftShader when installed (main.ts has
  // already restarted the process with Chromium's Vulkan loader where the system has none).
  const { VK_ICD_FILENAMES } = vulkanEnvironment(process.env, hasSystemVulkanDriver()).env;
  if (VK_ICD_FILENAMES !== undefined) process.env.VK_ICD_FILENAMES = VK_ICD_FILENAMES;
  const { create, globals } = await importWebGpu();
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.assign(globalThis, { navigator: { gpu } });
  const adapter = await gpu.requestAdapter();
  if (!adapter)
    throw new Error(
      'no WebGPU adapter: Dawn found no Vulkan device (install a Vulkan loader, e.g. Debian libvulkan1, or run with LD_LIBRARY_PATH=/usr/lib/chromium; without a GPU set VK_ICD_FILENAMES to a SwiftShader ICD)',
    );
  registerWebGpuBackend(gpu, gpuFeatures, (message) => console.warn(`ddpm-lab: ${message}`));
}

/** The `webgpu` package's loader, replaceable in tests. */
export type WebGpuImport = () => Promise<typeof import('webgpu')>;

/** Imports `webgpu`, saying what to do when the optional package is not installed. */
export async function importWebGpu(
  load: WebGpuImport = () => import('webgpu'),
): Promise<typeof import('webgpu')> {
  try {
    return await load();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    throw new Error(
      `--backend webgpu needs the optional package "webgpu" (Dawn for Node), which is not installed: run \`npm install webgpu\` (it has prebuilt binaries for Linux, macOS and Windows on x64/arm64), or use --backend cpu`,
    );
  }
}
