/**
 * The Vulkan driver Dawn (the `webgpu` package) runs on in Node. With a GPU driver installed the
 * system's Vulkan is used as is; without one, Chromium's SwiftShader (a CPU Vulkan) becomes the
 * driver, with Chromium's own Vulkan loader when the system has none. The loader is found through
 * LD_LIBRARY_PATH, which the dynamic linker reads only when a process starts: a process that
 * needs it is started again with it (`relaunchEnvironment`). Shared by the CLI and the bench.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const SWIFTSHADER_DIR = '/usr/lib/chromium';
const SYSTEM_LIBVULKAN = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];
/** Where Vulkan loaders look for installed drivers (ICD manifests). */
const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/** The file system calls this module makes, replaceable in tests. */
export interface VulkanFs {
  exists(path: string): boolean;
  list(dir: string): string[];
}

const realFs: VulkanFs = {
  exists: existsSync,
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};

/** Whether a Vulkan driver (other than Chromium's private SwiftShader) is installed system-wide. */
export function hasSystemVulkanDriver(fs: VulkanFs = realFs): boolean {
  return ICD_DIRS.some((dir) => fs.list(dir).some((f) => f.endsWith('.json')));
}

/**
 * The environment for Dawn in Node. With a GPU (`hasGpu`) or a VK_ICD_FILENAMES already set,
 * the system's Vulkan driver is used as is. Otherwise Chromium's SwiftShader becomes the
 * driver, with Chromium's own Vulkan loader when the system has none.
 */
export function vulkanEnvironment(
  env: NodeJS.ProcessEnv,
  hasGpu: boolean,
  fs: Pick<VulkanFs, 'exists'> = realFs,
): { env: NodeJS.ProcessEnv; note: string } {
  if (hasGpu || env.VK_ICD_FILENAMES)
    return { env, note: env.VK_ICD_FILENAMES ? `VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES}` : 'system Vulkan' };
  const icd = join(SWIFTSHADER_DIR, 'vk_swiftshader_icd.json');
  if (!fs.exists(icd)) return { env, note: 'no Vulkan driver found (no GPU, no Chromium SwiftShader)' };
  const out: NodeJS.ProcessEnv = { ...env, VK_ICD_FILENAMES: icd };
  if (!SYSTEM_LIBVULKAN.some((p) => fs.exists(p)) && !onLibraryPath(env, SWIFTSHADER_DIR))
    out.LD_LIBRARY_PATH = [SWIFTSHADER_DIR, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { env: out, note: `SwiftShader (${icd})` };
}

const onLibraryPath = (env: NodeJS.ProcessEnv, dir: string) =>
  (env.LD_LIBRARY_PATH ?? '').split(':').includes(dir);

/**
 * The environment to start this process again with so that Dawn finds a Vulkan loader, or null
 * when the current one will do (VK_ICD_FILENAMES alone can be set from inside the process: the
 * loader reads it when Dawn creates its Vulkan instance).
 */
export function relaunchEnvironment(env: NodeJS.ProcessEnv, fs: VulkanFs = realFs): NodeJS.ProcessEnv | null {
  const wanted = vulkanEnvironment(env, hasSystemVulkanDriver(fs), fs).env;
  return wanted.LD_LIBRARY_PATH !== env.LD_LIBRARY_PATH ? wanted : null;
}
