import { defineConfig } from '@playwright/test';
import { chromiumPath, webgpuArgs } from './e2e/browser';

// E2E_PORT lets two checkouts run their browser tests side by side.
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  // One worker: the machines that run this have 2 cores and SwiftShader emulates the GPU on them.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  // Generous limits (they catch hangs, not slowness): SwiftShader emulates the GPU on the CPU, and
  // `npm test` runs these tests beside the unit tests on the same 2 cores.
  timeout: 420_000,
  expect: { timeout: 120_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://localhost:${port}/`,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath, args: webgpuArgs },
    viewport: { width: 1280, height: 900 },
    trace: 'off',
  },
  webServer: {
    command: `npx vite preview --port ${port} --strictPort`,
    url: `http://localhost:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
