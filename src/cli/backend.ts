/**
 * tfjs backend selection for the CLI: the pure-JS CPU backend by default, or WebGPU through the
 * `webgpu` package (Dawn for Node) on a Vulkan driver. `webgpu` is an optional dependency (it ships
 * prebuilt Dawn binaries for a few platforms only), so only `--backend webgpu` needs it.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../worker/protocol';
import { UsageError } from './args';

/** The backends the CLI offers, of the lab's {@link BackendName}s (Node has no WebGL). */
export const CLI_BACKENDS = ['cpu', 'webgpu'] as const satisfies readonly BackendName[];
/** One of {@link CLI_BACKENDS}. */
export type CliBackend = (typeof CLI_BACKENDS)[number];

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Validates a --backend value. */
export function parseBackend(value: string | undefined): CliBackend {
  if (value === undefined) return 'cpu';
  if ((CLI_BACKENDS as readonly string[]).includes(value)) return value as CliBackend;
  throw new UsageError(`--backend ${value} is not supported; backends: ${CLI_BACKENDS.join(', ')}`);
}

/** Activates the backend and returns the name tfjs reports, failing loudly instead of falling back. */
export async function useBackend(name: CliBackend): Promise<string> {
  // Production mode drops tfjs' Node banner and debug checks; the CLI's stderr is for its own errors.
  tf.enableProdMode();
  if (name === 'webgpu') await registerWebGpu();
  if (!(await tf.setBackend(name))) throw new Error(`the tfjs ${name} backend failed to initialise`);
  await tf.ready();
  if (tf.getBackend() !== name)
    throw new Error(`asked for the ${name} backend, tfjs runs ${tf.getBackend()}`);
  return name;
}

async function registerWebGpu(): Promise<void> {
  // Without a GPU, Dawn needs a Vulkan driver: Chromium's SwiftShader when installed.
  if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const { create, globals } = await importWebGpu();
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.assign(globalThis, { navigator: { gpu } });
  const adapter = await gpu.requestAdapter();
  if (!adapter)
    throw new Error(
      'no WebGPU adapter: Dawn found no Vulkan device (install a Vulkan loader, e.g. Debian libvulkan1, or run with LD_LIBRARY_PATH=/usr/lib/chromium; without a GPU set VK_ICD_FILENAMES to a SwiftShader ICD)',
    );
  // The backend registers itself at import, only if navigator.gpu exists by then.
  await import('@tensorflow/tfjs-backend-webgpu');
}

/** The `webgpu` package's loader, replaceable in tests. */
export type WebGpuImport = () => Promise<typeof import('webgpu')>;

/** Imports `webgpu`, saying what to do when the optional package is not installed. */
export async function importWebGpu(load: WebGpuImport = () => import('webgpu')): Promise<typeof import('webgpu')> {
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
