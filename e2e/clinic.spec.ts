/**
 * The Clinic on WebGPU: train the tiny preset a few steps, start a Twin run with one switch
 * flipped (same seed), and see both loss curves overlaid with the reference band of the tiny
 * preset (public/reference/tiny.json, from the PyTorch reference trainer) behind them, the
 * one-sentence comparison, and Diagnose naming the flipped switch; the runs list's score column,
 * and Import a log (a bad file named, a good one overlaid).
 */
import { expect, test } from '@playwright/test';
import { openLab, openTab, saveScreenshot } from './labPage';

/** Tiny, made cheaper for a CPU-emulated GPU: batch 2, 6 steps, a 2-image preview every 3 steps. */
const SETUP = [
  'preset=tiny',
  'training.batchSize=2',
  'training.targetSteps=6',
  'training.previewEverySteps=3',
  'training.previewImages=2',
  'training.previewSteps=2',
  'sampling.numImages=2',
].join('&');

test('a twin run overlays both curves on the reference band, and Diagnose names the switch', async ({
  page,
}) => {
  await openLab(page, `#${SETUP}`);
  await openTab(page, 'Data');
  await expect(page.getByTestId('dataset-grid')).toBeVisible({ timeout: 120_000 });
  await openTab(page, 'Train');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('train-reason')).toContainText(/target/i, { timeout: 300_000 });
  // The live run against its reference: the tiny preset's, with batch 2 as a caveat.
  await expect(page.getByTestId('reference-sentence')).toHaveText(
    /^At step [\d,]+ your loss is .* the reference for this config/,
  );
  await expect(page.getByTestId('reference-info')).toContainText('training.batchSize: 8 → 2');
  // The band is drawn behind the live loss and loss-per-t charts too.
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-reference-points', /^[1-9]\d*$/);
  await expect(page.getByTestId('loss-per-t-chart')).toHaveAttribute('data-reference-step', /^\d+$/);

  await openTab(page, 'Clinic');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await page.getByLabel('Switch to flip').selectOption('training.doubleOptimizerStep');
  await page.getByTestId('twin-start').click();
  await openTab(page, 'Train');
  await expect(page.getByTestId('train-phase')).toHaveAttribute('data-phase', 'running', { timeout: 120_000 });
  await expect(page.getByTestId('train-reason')).toContainText(/target/i, { timeout: 300_000 });
  await expect(page.getByLabel('Two optimizer steps per batch')).toBeChecked();

  await openTab(page, 'Clinic');
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  // Neither model was scored (Sample tab → Sample quality): the score column says so.
  await expect(page.getByTestId('run-score')).toHaveText(['—', '—']);
  const loss = page.getByTestId('compare-loss');
  await expect(loss).toHaveAttribute('data-runs', '2');
  await expect(loss).toHaveAttribute('data-band', /^[1-9]\d*$/);
  // Two run lines and the band's area, drawn.
  await expect(loss.locator('.recharts-line path.recharts-curve')).toHaveCount(2);
  await expect(loss.locator('.recharts-area path.recharts-area-area')).toHaveCount(1);
  await expect(page.getByTestId('compare-loss-per-t')).toHaveAttribute('data-band', '20');
  await expect(page.getByTestId('reference-sentences').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('compare-grid')).toHaveCount(2);

  await page
    .getByLabel('Run to diagnose')
    .selectOption({ label: 'twin: training.doubleOptimizerStep = true' });
  await expect(page.locator('[data-finding="double-lr"]')).toContainText(
    'training.doubleOptimizerStep = true',
  );
  await saveScreenshot(page, 'clinic-twin');

  // Import a log: a bad file is named with its line, a good one is listed and overlaid like a run.
  const picker = page.getByLabel('Import a log (CSV)');
  await picker.setInputFiles({
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('step,loss\n1,0.5\n2,oops\n'),
  });
  await expect(page.getByRole('region', { name: 'Runs in this browser' }).getByRole('alert')).toHaveText(
    'bad.csv line 3: loss "oops" is not a finite number',
  );
  const log = ['step,loss', ...Array.from({ length: 6 }, (_, i) => `${i + 1},${(1 / (i + 1)).toFixed(3)}`)];
  await picker.setInputFiles({
    name: 'elsewhere.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(log.join('\n')),
  });
  await expect(page.getByTestId('run-row')).toHaveCount(3);
  await expect(page.getByTestId('run-row').first()).toContainText('elsewhere.csv');
  await expect(loss).toHaveAttribute('data-runs', '3');
  await expect(loss.locator('.recharts-line path.recharts-curve')).toHaveCount(3);
});
