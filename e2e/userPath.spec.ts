import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { readSafetensors } from '../src/io/safetensors';
import { readZip } from '../src/io/zip';
import {
  canvasPixels,
  keyboardUnreachable,
  openLab,
  openTab,
  sampleAndWait,
  saveScreenshot,
  seriousA11yViolations,
  unlabelledControls,
} from './labPage';

/** The trained state's accessibility (charts, timeline, model card): as a11y.spec.ts checks the fresh page. */
async function expectAccessible(page: Page): Promise<void> {
  expect(await unlabelledControls(page)).toEqual([]);
  expect((await seriousA11yViolations(page)).serious).toEqual([]);
  expect((await keyboardUnreachable(page)).unreachable).toEqual([]);
}

/**
 * The tiny preset (8×8, 16/32 channels), made cheaper still for a CPU-emulated GPU (~0.3 GFLOP/s):
 * batch 2, 2 sampled images, a preview grid every 3 steps. Everything else is the preset's.
 */
const SETUP = [
  'preset=tiny',
  'training.batchSize=2',
  'training.targetSteps=40',
  'training.previewEverySteps=3',
  'training.previewImages=2',
  'training.previewSteps=2',
  'sampling.numImages=2',
].join('&');

/** Records main-thread long tasks (over 50 ms) from the moment the page starts. */
async function watchLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: { start: number; duration: number }[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

const now = (page: Page) => page.evaluate(() => performance.now());
const longTasksBetween = (page: Page, from: number, to: number) =>
  page.evaluate(
    ([a, b]) =>
      (window as unknown as { longTasks: { start: number; duration: number }[] }).longTasks.filter(
        (t) => t.start >= a && t.start <= b,
      ),
    [from, to],
  );

const trainedStep = async (page: Page) =>
  Number(await page.getByTestId('train-progress').getAttribute('data-step'));

test('the whole path: train, pause, sample, scrub, export, reload and resume, import and reproduce', async ({
  page,
}) => {
  test.setTimeout(720_000);
  await watchLongTasks(page);
  await openLab(page, `#${SETUP}`);
  await expect(page.getByTestId('dataset-grid')).toBeVisible({ timeout: 120_000 });

  // The form says which preset this is (the tiny one with changes) and what the U-Net builds.
  await openTab(page, 'Train');
  await expect(page.getByTestId('preset-select')).toHaveValue('custom');
  await expect(page.getByTestId('preset-select')).toContainText('custom (tiny + 6 changes)');
  const built = page.getByTestId('note-model.preset');
  await expect(built).toContainText('Builds 8×8, 3 channels, widths 16/32');
  const builtParameters = /([\d,]+) parameters/.exec((await built.textContent())!)![1];

  // Train until the loss chart has a few points and the smoothed loss has fallen.
  const chart = page.getByTestId('loss-chart');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const started = await now(page);
  // Until the first step is reported the phase counts seconds (shader compilation), then steps/s.
  await expect(page.getByTestId('train-waiting')).toContainText(
    /(building the model|Compiling shaders).* — \d+ s/,
  );
  await expect(page.getByTestId('train-phase')).toHaveAttribute('data-phase', 'running', {
    timeout: 240_000,
  });
  await expect
    .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 240_000 })
    .toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('train-phase')).toContainText(/Training · [\d.]+ steps\/s/);
  // On WebGPU the steps run as the compiled dispatch list, and the panel says so.
  await expect(page.getByTestId('train-engine')).toHaveText(/^webgpu \(compiled step\)/);
  // Shapes is not CIFAR-10: no typical range from the paper is drawn.
  await expect(page.getByTestId('loss-per-t-chart')).toHaveAttribute('data-typical', 'none');
  await expect
    .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 240_000 })
    .toBeGreaterThanOrEqual(6);
  const first = Number(await chart.getAttribute('data-first-smoothed'));
  const last = Number(await chart.getAttribute('data-last-smoothed'));
  expect(last).toBeLessThan(first);
  await expect(page.getByTestId('train-preview')).toHaveAttribute('data-step', /\d+/);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('train-phase')).toHaveAttribute('data-phase', 'paused', { timeout: 120_000 });
  const stopped = await now(page);
  const pausedAt = await trainedStep(page);
  const longTasks = await longTasksBetween(page, started, stopped);
  const longest = Math.max(0, ...longTasks.map((t) => t.duration));
  test.info().annotations.push({
    type: 'longest main-thread task while training (ms)',
    description: longest.toFixed(0),
  });
  console.log(
    `training: ${pausedAt} steps; ${longTasks.length} long tasks, longest ${longest.toFixed(0)} ms`,
  );
  await saveScreenshot(page, 'train');
  await expectAccessible(page);
  // A chart reads its values out from the keyboard as on hover: focus it, then → moves along.
  await chart.locator('svg[tabindex="0"]').focus();
  await page.keyboard.press('ArrowRight');
  await expect(chart.locator('.recharts-tooltip-wrapper')).toContainText(/step \d+/);

  // Sample with DDIM, 10 steps, and scrub.
  await openTab(page, 'Sample & timeline');
  await expect(page.getByLabel('Sampler')).toHaveValue('ddim');
  await expect(page.getByLabel('Steps')).toHaveValue('10');
  // A trained run offers its EMA (the default) and its raw weights.
  const weightsChoice = page.getByTestId('sample-weights-choice');
  await expect(weightsChoice).toBeEnabled();
  await expect(weightsChoice).toHaveValue('ema');
  const samples = await sampleAndWait(page);
  const xt = page.getByTestId('timeline-xt');
  await page.getByTestId('timeline-slider').focus();
  await page.keyboard.press('End');
  const end = await canvasPixels(xt);
  await page.keyboard.press('Home');
  await expect(page.getByTestId('timeline-readout')).toHaveAttribute('data-frame', '0');
  expect(await canvasPixels(xt)).not.toBe(end);
  await page.getByTestId('timeline-follow').selectOption('0');
  await page.keyboard.press('End');
  // x_t, predicted x₀ and predicted ε side by side (the viewport is 1280 px wide).
  const panes = await Promise.all(
    ['xt', 'x0', 'eps'].map(async (k) => (await page.getByTestId(`timeline-${k}`).boundingBox())!),
  );
  expect(panes.map((b) => Math.round(b.y))).toEqual(Array(3).fill(Math.round(panes[0].y)));
  expect(panes[1].x).toBeGreaterThan(panes[0].x + panes[0].width);
  expect(panes[2].x).toBeGreaterThan(panes[1].x + panes[1].width);
  await saveScreenshot(page, 'sample');
  await expectAccessible(page);
  // The GIF of the followed sample, encoded in a worker of its own.
  const [gif] = await Promise.all([
    page.waitForEvent('download'),
    page.waitForEvent('worker', (w) => w.url().includes('timelineExport')),
    page.getByTestId('timeline-export').getByRole('button', { name: 'GIF' }).click(),
  ]);
  expect(gif.suggestedFilename()).toBe('timeline-sample-1.gif');
  expect(new TextDecoder().decode(readFileSync((await gif.path())!).subarray(0, 6))).toBe('GIF89a');

  // Export: a diffusers pipeline whose weights are safetensors with the U-Net's names.
  await openTab(page, 'Weights');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /Export diffusers pipeline/ }).click(),
  ]);
  const zipped = readFileSync((await download.path())!);
  const weights = readSafetensors(
    readZip(new Uint8Array(zipped)).get('unet/diffusion_pytorch_model.safetensors')!,
  );
  expect([...weights.tensors.keys()]).toEqual(
    expect.arrayContaining([
      'conv_in.weight',
      'time_embedding.linear_1.weight',
      'mid_block.attentions.0.to_q.weight',
      'conv_out.bias',
    ]),
  );
  // Export run: the config, the checkpoint and the metrics as CSV, one row per step trained.
  const [runDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export run' }).click(),
  ]);
  const run = readZip(new Uint8Array(readFileSync((await runDownload.path())!)));
  expect([...run.keys()].sort()).toEqual([
    'checkpoint.safetensors',
    'metrics.csv',
    'run.json',
    'scheduler_config.json',
  ]);
  const [header, ...rows] = new TextDecoder().decode(run.get('metrics.csv')).trim().split('\n');
  expect(header.split(',').slice(0, 5)).toEqual(['step', 'loss', 'smoothed_loss', 'lr', 'grad_norm']);
  expect(header).toContain('loss_t_0_49');
  expect(rows.map((r) => Number(r.split(',')[0]))).toEqual(Array.from({ length: pausedAt }, (_, i) => i + 1));
  // The Weights tab's model card shows the parameters the Configure form said it would build.
  await expect(page.getByTestId('model-info')).toContainText(`Parameters${builtParameters}`);
  await saveScreenshot(page, 'weights');
  await expectAccessible(page);

  // Reload: the saved run is offered and continues from its step.
  await page.reload();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await openTab(page, 'Train');
  const resume = page.getByTestId('resume');
  await expect(resume).toHaveText(`Resume from step ${pausedAt}`, { timeout: 120_000 });
  await resume.click();
  await expect.poll(() => trainedStep(page), { timeout: 240_000 }).toBeGreaterThan(pausedAt);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('train-phase')).toHaveAttribute('data-phase', 'stopped', { timeout: 120_000 });

  // Import the exported pipeline: the same seed gives the same images.
  await openTab(page, 'Weights');
  await page
    .getByTestId('import-files')
    .setInputFiles({ name: download.suggestedFilename(), mimeType: 'application/zip', buffer: zipped });
  await expect(page.getByRole('tab', { name: 'Sample & timeline' })).toHaveAttribute('aria-selected', 'true');
  // The pipeline holds one set of weights (the EMA): nothing to choose, and the control says why.
  await expect(weightsChoice).toBeDisabled();
  await expect(weightsChoice).toHaveAttribute('title', /one set of weights/);
  expect(await sampleAndWait(page)).toBe(samples);
});
