/**
 * The Train tab's charts before any training: Compare metrics.csv draws a file's smoothed loss as
 * a recharts chart with a readout, and the page stays accessible with it shown.
 */
import { expect, test } from '@playwright/test';
import { openLab, openTab, seriousA11yViolations } from './labPage';

const CSV = [
  'step,loss,smoothed_loss,lr,grad_norm',
  '1,1.0,1.0,0.0001,2',
  '2,0.8,0.95,0.0002,1.5',
  '3,0.6,0.9,0.0003,1.2',
]
  .join('\n')
  .concat('\n');

test('Compare metrics.csv draws the file’s smoothed loss, read out from the keyboard', async ({ page }) => {
  await openLab(page, '#preset=tiny');
  await openTab(page, 'Train');
  await page
    .getByTestId('overlay-file')
    .setInputFiles({ name: 'metrics.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  const chart = page.getByTestId('overlay-chart');
  await expect(chart).toHaveAttribute('data-rows', '3');
  // The file's line is drawn; this run's has no steps yet, so it draws nothing.
  await expect(chart.locator('path.recharts-line-curve[d*="L"]')).toHaveCount(1);
  await chart.locator('svg[tabindex="0"]').focus();
  await page.keyboard.press('ArrowRight');
  await expect(chart.locator('.recharts-tooltip-wrapper')).toContainText(/step \d+/);
  expect((await seriousA11yViolations(page)).serious).toEqual([]);
});
