import { expect, test } from '@playwright/test';
import { canvasPixels, openLab, saveScreenshot, unlabelledControls } from './labPage';

/** The committed CIFAR-10 fixture: real images, 16 train and 4 test per class, official layout. */
const CIFAR_MINI = 'scripts/reference/fixtures/cifar-10-binary-mini.tar.gz';

test('a dropped CIFAR-10 archive shows its grid and its images per class; a bad file keeps it', async ({
  page,
}) => {
  await openLab(page, '#preset=tiny');
  // The tiny preset trains on the built-in Shapes, which load on their own.
  await expect(page.getByTestId('dataset-grid')).toBeVisible();
  await page.getByTestId('dataset-file-input').setInputFiles(CIFAR_MINI);
  const counts = page.getByTestId('class-counts');
  await expect(counts).toContainText('airplane', { timeout: 240_000 });
  const rows = counts.locator('tbody tr');
  await expect(rows).toHaveCount(10);
  for (const row of await rows.all()) await expect(row.locator('td').first()).toHaveText('16');
  await expect(page.getByRole('radio', { name: /MNIST digits/ })).not.toBeChecked();

  const grid = page.getByTestId('dataset-grid');
  const before = await canvasPixels(grid);
  await page.getByRole('button', { name: 'Reshuffle' }).click();
  await expect.poll(() => canvasPixels(grid)).not.toBe(before);

  // The forward process noises the chosen images under the current schedule.
  const xt = page.getByTestId('forward-xt');
  const noisy = await canvasPixels(xt);
  await page.getByTestId('forward-t').fill('900');
  await expect(page.getByTestId('forward-readout')).toContainText('t = 900');
  expect(await canvasPixels(xt)).not.toBe(noisy);
  await page.getByTestId('forward-t').fill('250');
  await expect(page.getByTestId('forward-readout')).toContainText('t = 250');
  await saveScreenshot(page, 'data');
  expect(await unlabelledControls(page)).toEqual([]);

  // Dropped anywhere on the page: a file that is no dataset is named, and CIFAR-10 stays loaded.
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(['not a dataset'], 'notes.txt', { type: 'text/plain' }));
    for (const type of ['dragenter', 'dragover', 'drop'])
      document.body.dispatchEvent(
        new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }),
      );
  });
  await expect(page.getByTestId('dataset-error')).toContainText('notes.txt');
  await expect(counts).toContainText('airplane');
});
