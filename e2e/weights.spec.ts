import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { readSafetensors } from '../src/io/safetensors';
import { readZip } from '../src/io/zip';
import { canvasPixels, openLab, openTab, sampleAndWait } from './labPage';
import { tinyPipelineZip, tinyTensorNames } from './tinyPipeline';

test('import a diffusers pipeline, sample with DDIM, scrub the timeline, export and re-import it', async ({
  page,
}) => {
  await openLab(page, '#preset=tiny&sampling.numImages=2&sampling.steps=5');
  await openTab(page, 'Weights');
  await page
    .getByTestId('import-files')
    .setInputFiles({ name: 'tiny-pipeline.zip', mimeType: 'application/zip', buffer: tinyPipelineZip() });
  // An imported model is there to be sampled: the lab opens the Sample tab.
  await expect(page.getByRole('tab', { name: 'Sample & timeline' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('Sampler')).toHaveValue('ddim');
  await expect(page.getByLabel('Steps')).toHaveValue('5');
  await expect(page.getByLabel('Images')).toHaveValue('2');
  // A pipeline has one set of weights: the choice is off, and says why.
  await expect(page.getByTestId('sample-weights-choice')).toBeDisabled();
  await expect(page.getByTestId('sample-weights-choice')).toHaveAttribute('title', /one set of weights/);
  const first = await sampleAndWait(page);
  // On WebGPU the worker samples through the compiled loop (captured forward, one submit per step).
  await expect(page.getByTestId('sample-status')).toContainText('compiled WebGPU loop');

  const slider = page.getByTestId('timeline-slider');
  const xt = page.getByTestId('timeline-xt');
  const readout = page.getByTestId('timeline-readout');
  await slider.focus();
  await page.keyboard.press('Home');
  await expect(readout).toHaveAttribute('data-frame', '0');
  const atStart = await canvasPixels(xt);
  const tStart = await readout.getAttribute('data-t');
  await page.keyboard.press('End');
  await expect(readout).toHaveAttribute('data-frame', '4');
  expect(await canvasPixels(xt)).not.toBe(atStart);
  expect(await readout.getAttribute('data-t')).not.toBe(tStart);
  await page.keyboard.press('ArrowLeft');
  await expect(readout).toHaveAttribute('data-frame', '3');
  await expect(readout).toContainText('ᾱ_t =');

  await openTab(page, 'Weights');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /Export diffusers pipeline/ }).click(),
  ]);
  const zipped = readFileSync((await download.path())!);
  const files = readZip(new Uint8Array(zipped));
  const weights = readSafetensors(files.get('unet/diffusion_pytorch_model.safetensors')!);
  expect([...weights.tensors.keys()].sort()).toEqual(tinyTensorNames());

  await page
    .getByTestId('import-files')
    .setInputFiles({ name: download.suggestedFilename(), mimeType: 'application/zip', buffer: zipped });
  await expect(page.getByRole('tab', { name: 'Sample & timeline' })).toHaveAttribute('aria-selected', 'true');
  expect(await sampleAndWait(page)).toBe(first);

  // DDPM's variance can be overridden for a run; the model's scheduler keeps its own.
  await page.getByLabel('Sampler').selectOption('ddpm');
  const variance = page.getByTestId('sample-variance');
  await expect(variance).toHaveValue('');
  await expect(variance).toContainText('the model’s (fixed_large)');
  await variance.selectOption('fixed_small');
  await expect(page.getByTestId('ddpm-variance')).toContainText(
    'fixed_small (this run only; the model’s scheduler keeps fixed_large)',
  );
});

test('a checkpoint with a missing tensor explains itself and the loaded model stays', async ({ page }) => {
  await openLab(page);
  await openTab(page, 'Weights');
  await page
    .getByTestId('import-files')
    .setInputFiles({ name: 'tiny-pipeline.zip', mimeType: 'application/zip', buffer: tinyPipelineZip() });
  await expect(page.getByRole('tab', { name: 'Sample & timeline' })).toHaveAttribute('aria-selected', 'true');
  await openTab(page, 'Weights');
  await expect(page.getByTestId('model-info')).toContainText('tiny-pipeline.zip');
  await page.getByTestId('import-files').setInputFiles({
    name: 'broken.zip',
    mimeType: 'application/zip',
    buffer: tinyPipelineZip('conv_in.weight'),
  });
  await expect(page.getByTestId('import-error')).toContainText('conv_in.weight');
  await expect(page.getByTestId('model-info')).toContainText('tiny-pipeline.zip');
});
