/**
 * Import run (issues 7 and 9): a run exported from one browser profile comes back in a fresh one
 * (no IndexedDB of its own) and resumes from the exported step.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openLab, openTab } from './labPage';

/** The tiny preset at batch 2, no previews or timed autosaves, a learning rate of its own to recognise. */
const SETUP = [
  'preset=tiny',
  'training.batchSize=2',
  'training.lr=0.002',
  'training.previewEverySteps=0',
  'training.checkpointEverySec=3600',
].join('&');

const step = async (page: Page) => Number(await page.getByTestId('train-progress').getAttribute('data-step'));
const phase = (page: Page) => page.getByTestId('train-phase');

test('export a run, import it in a fresh profile, resume from the exported step', async ({
  page,
  browser,
}, info) => {
  await openLab(page, `#${SETUP}`);
  await openTab(page, 'Train');
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await expect(train).toBeEnabled({ timeout: 240_000 });
  await train.click();
  await expect.poll(() => step(page), { timeout: 240_000 }).toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(phase(page)).toHaveAttribute('data-phase', 'paused', { timeout: 120_000 });
  const exportedAt = await step(page);
  await openTab(page, 'Weights');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export run' }).click(),
  ]);
  const zip = readFileSync((await download.path())!);

  // A fresh profile: nothing saved, the default tiny config.
  const fresh = await browser.newContext({ baseURL: info.project.use.baseURL });
  const other = await fresh.newPage();
  await openLab(other);
  await openTab(other, 'Train');
  await expect(other.getByTestId('resume')).toHaveText('Resume');
  await openTab(other, 'Weights');
  await other
    .getByLabel('Run zip')
    .setInputFiles({ name: download.suggestedFilename(), mimeType: 'application/zip', buffer: zip });
  await expect(other.getByTestId('run-import-done')).toContainText(
    `at step ${exportedAt}: on the Train tab, Resume from step ${exportedAt}`,
  );
  await expect(other).toHaveURL(/training\.lr=0\.002/);

  await openTab(other, 'Train');
  const resume = other.getByTestId('resume');
  await expect(resume).toHaveText(`Resume from step ${exportedAt}`);
  await expect(resume).toBeEnabled({ timeout: 240_000 });
  await resume.click();
  await expect.poll(() => step(other), { timeout: 240_000 }).toBeGreaterThan(exportedAt);
  await other.getByRole('button', { name: 'Stop' }).click();
  await expect(phase(other)).toHaveAttribute('data-phase', 'stopped', { timeout: 120_000 });

  // A zip that is not a run says so on the panel.
  await openTab(other, 'Weights');
  await other
    .getByLabel('Run zip')
    .setInputFiles({ name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip') });
  await expect(other.getByTestId('run-import-error')).toContainText(
    'importRun: the run bundle is not a readable zip',
  );
  await fresh.close();
});
