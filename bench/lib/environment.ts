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

/** Dawn's Vulkan environment: one definition, shared with the CLI. */
export { vulkanEnvironment } from '../../src/cli/vulkan';
