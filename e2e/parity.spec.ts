import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { unetFixtureFile } from '../scripts/reference/unet_fixtures';

const FIXTURE = 'attn_rgb_pad0';

test('the U-Net matches the PyTorch reference on WebGPU in the browser, through the fused kernels (forward ≤ 1e-4, gradients ≤ 1e-3)', async ({
  page,
}) => {
  const { build } = await import('esbuild');
  const bundle = await build({
    entryPoints: ['e2e/parity/page.ts'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // ESM builds only: mixing a package's CJS and ESM builds would load tfjs-core twice.
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  const script = bundle.outputFiles[0].text;
  const fixture = await readFile(`scripts/reference/${unetFixtureFile(FIXTURE)}`);
  // The page and its files are served by interception on the preview's origin (a secure context).
  await page.route('**/parity/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path.endsWith('/parity/'))
      return route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><script type="module" src="page.js"></script>',
      });
    if (path.endsWith('/parity/page.js'))
      return route.fulfill({ contentType: 'text/javascript', body: script });
    if (path.endsWith('/parity/fixture.safetensors')) return route.fulfill({ body: fixture });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto('./parity/');
  await page.waitForFunction(() => typeof window.runParity === 'function');
  const result = await page.evaluate((url) => window.runParity(url), 'fixture.safetensors');
  console.log(`U-Net parity on WebGPU (${FIXTURE}): ${JSON.stringify(result)}`);
  expect(result.backend).toBe('webgpu');
  // The default WebGPU path is the fused one: its GroupNorm kernels ran forward and backward.
  expect(result.fusedKernels.LabGroupNorm).toBeGreaterThan(0);
  expect(result.fusedKernels.LabGroupNormGrad).toBeGreaterThan(0);
  expect(result.forward).toBeLessThan(1e-4);
  expect(result.gradSample).toBeLessThan(1e-3);
  expect(Object.keys(result.grads).length).toBeGreaterThan(0);
  for (const [name, err] of Object.entries(result.grads)) expect(err, name).toBeLessThan(1e-3);
});
