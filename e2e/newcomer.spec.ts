/**
 * A newcomer's first minute: the page starts loading MNIST, and the user picks another preset
 * before that load ends. Their choice must win (the late MNIST load must not write itself back
 * into the config), and Train must work with the preset's own dataset.
 */
import { expect, test } from '@playwright/test';
import { openLab, openTab } from './labPage';

test('a preset picked while the first dataset loads wins over the late load, and trains', async ({
  page,
  context,
}) => {
  test.setTimeout(480_000);
  // The built-in datasets answer 8 s late (the worker fetches them; routes on the context reach it).
  await context.route('**/datasets/**', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    await route.continue();
  });
  await openLab(page, '');
  await expect(page.getByTestId('dataset-progress')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('dataset-progress')).toContainText('MNIST');

  await openTab(page, 'Train');
  await page.locator('#preset-select').selectOption('tiny');
  // Mid-load, Train waits for the data instead of promising a run.
  await expect(page.getByTestId('train-phase')).toHaveText('Loading the dataset…');
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeDisabled();

  // MNIST ends, then the preset's Shapes load (late as well); the config still names Shapes.
  await openTab(page, 'Data');
  await expect(page.getByRole('radio', { name: /Shapes/ })).toBeChecked({ timeout: 180_000 });
  await expect(page.getByRole('radio', { name: /MNIST digits/ })).not.toBeChecked();
  await expect(page).toHaveURL(/dataset=shapes|preset=tiny/);

  await openTab(page, 'Train');
  await expect(page.getByTestId('train-phase')).toHaveText('Ready to train.');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('train-phase')).toHaveAttribute('data-phase', 'running', {
    timeout: 240_000,
  });
  // Running means the model was built for the loaded data (a channel mismatch fails before that).
  await expect(page.getByRole('alert')).toHaveCount(0);
});
