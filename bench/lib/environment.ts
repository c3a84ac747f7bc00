/** Where the runner finds Dawn, Vulkan and Python on this machine. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The installed `webgpu` package's Dawn binding for this platform. */
export function defaultDawnPath(): string {
  return join('node_modules', 'webgpu', 'dist', `${process.platform}-${process.arch}`, 'dawn.node');
}

/** Debian's python3 has torch here; elsewhere (a GPU machine) the one on PATH. */
export function defaultPython(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

const SWIFTSHADER_DIR = '/usr/lib/chromium';
const SYSTEM_LIBVULKAN = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];

/**
 * The environment for Dawn in Node. With a GPU (`hasGpu`) or a VK_ICD_FILENAMES already set,
 * the system's Vulkan driver is used as is. Otherwise Chromium's SwiftShader (a CPU Vulkan)
 * becomes the driver, with Chromium's own Vulkan loader when the system has none.
 */
export function vulkanEnvironment(
  env: NodeJS.ProcessEnv,
  hasGpu: boolean,
): { env: NodeJS.ProcessEnv; note: string } {
  if (hasGpu || env.VK_ICD_FILENAMES)
    return { env, note: env.VK_ICD_FILENAMES ? `VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES}` : 'system Vulkan' };
  const icd = join(SWIFTSHADER_DIR, 'vk_swiftshader_icd.json');
  if (!existsSync(icd)) return { env, note: 'no Vulkan driver found (no GPU, no Chromium SwiftShader)' };
  const out: NodeJS.ProcessEnv = { ...env, VK_ICD_FILENAMES: icd };
  if (!SYSTEM_LIBVULKAN.some((p) => existsSync(p)))
    out.LD_LIBRARY_PATH = [SWIFTSHADER_DIR, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { env: out, note: `SwiftShader (${icd})` };
}
