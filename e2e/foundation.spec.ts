import { chromium, expect, test } from '@playwright/test';
import { baseArgs, chromiumPath } from './browser';
import { watchRemoteRequests } from './offline';

test('the lab runs on WebGPU (SwiftShader) and the GPU check measures GFLOP/s', async ({ page, context }) => {
  const remote = watchRemoteRequests(context);
  await page.goto('./');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu');
  await expect(badge).toContainText('WebGPU · google/swiftshader');
  await page.getByRole('button', { name: 'Run GPU check' }).click();
  const result = page.getByTestId('gpu-check-result');
  await expect(result).toContainText('GFLOP/s');
  const gflops = Number(await result.getAttribute('data-gflops'));
  expect(gflops).toBeGreaterThan(0);
  test.info().annotations.push({ type: 'gflops', description: gflops.toFixed(2) });
  console.log(`GPU check on this machine: ${gflops.toFixed(2)} GFLOP/s`);
  expect(remote).toEqual([]);
});

test('?backend=webgl runs on WebGL and says that the URL chose it', async ({ page }) => {
  await page.goto('./?backend=webgl');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgl');
  await expect(badge).toContainText('WebGL');
  await expect(page.getByTestId('backend-forced')).toContainText('chosen by ?backend=webgl');
});

test('an unknown ?backend= is named, and the lab still starts', async ({ page }) => {
  await page.goto('./?backend=cuda');
  await expect(page.getByRole('alert').first()).toContainText('Unknown backend "cuda"');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
});

test('?gpu-features= switches optional shader features on where the adapter has them, and names those it lacks', async ({
  page,
}) => {
  // SwiftShader has subgroups, not shader-f16.
  await page.goto('./?gpu-features=subgroups,shader-f16');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('gpu-features')).toContainText('shader features: subgroups');
  await expect(page.getByTestId('gpu-features-missing')).toContainText(
    'WebGPU feature "shader-f16" was switched on, but the adapter google/swiftshader does not have it: the lab runs without it.',
  );
  await page.goto('./?gpu-features=turbo');
  await expect(page.getByRole('alert').first()).toContainText('Unknown GPU feature "turbo"');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('gpu-features')).toHaveCount(0);
});

test('without WebGPU the lab falls back and shows the reason', async ({ baseURL }) => {
  // A browser started without --enable-unsafe-webgpu has no WebGPU adapter on this machine.
  const browser = await chromium.launch({ executablePath: chromiumPath, args: baseArgs });
  try {
    const page = await browser.newPage();
    await page.goto(baseURL!);
    const badge = page.getByTestId('backend-badge');
    await expect(badge).not.toHaveAttribute('data-backend', 'webgpu');
    await expect(badge).toHaveAttribute('data-backend', /webgl|cpu/);
    await expect(page.getByTestId('fallback-reasons')).toContainText('WebGPU');
  } finally {
    await browser.close();
  }
});
