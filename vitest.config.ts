import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// WebGPU kernel tests (src/model/webgpu) run Dawn in the test workers, which inherit this
// environment. Without a GPU driver they need Chromium's SwiftShader ICD, and, where the system has
// no Vulkan loader, Chromium's loader on the library path (read when a process starts).
const SWIFTSHADER = '/usr/lib/chromium';
if (!process.env.VK_ICD_FILENAMES && existsSync(`${SWIFTSHADER}/vk_swiftshader_icd.json`)) {
  process.env.VK_ICD_FILENAMES = `${SWIFTSHADER}/vk_swiftshader_icd.json`;
  if (!existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1'))
    process.env.LD_LIBRARY_PATH = [SWIFTSHADER, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    // *.shared.test.ts read data kept outside the repository (CI has it; a fresh clone does not):
    // `npm run test:shared` runs them.
    exclude: ['**/node_modules/**', '**/*.shared.test.ts'],
    environment: 'node',
    globals: true,
    // Model tests run the tfjs CPU backend in plain JS on 2 cores, which `npm test` shares with
    // the browser tests: give them room (a limit catches a hang, not slowness).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // The CLI tests spawn bin/ddpm-lab.mjs, which runs the bundle: build it from the current sources.
    globalSetup: ['scripts/build-cli.mjs'],
  },
});
