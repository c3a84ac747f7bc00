/**
 * Accessibility of every tab, in the light and the dark scheme: axe-core finds no serious or
 * critical WCAG 2.1 A/AA violation, every control has a name, and Tab reaches every control.
 * (The trained state, with charts and a timeline, is checked the same way in userPath.spec.ts.)
 */
import { expect, test } from '@playwright/test';
import { keyboardUnreachable, openLab, openTab, seriousA11yViolations, unlabelledControls } from './labPage';

const TABS = ['Data', 'Train', 'Sample & timeline', 'Weights'] as const;

for (const colorScheme of ['light', 'dark'] as const) {
  test(`every tab in the ${colorScheme} scheme: no serious axe violations, every control named and reachable by Tab`, async ({
    page,
  }) => {
    await page.emulateMedia({ colorScheme });
    await openLab(page, '#preset=tiny');
    await expect(page.getByTestId('dataset-grid')).toBeVisible({ timeout: 120_000 });
    for (const tab of TABS) {
      await openTab(page, tab);
      const axe = await seriousA11yViolations(page);
      const keys = await keyboardUnreachable(page);
      console.log(
        `${colorScheme} · ${tab}: ${axe.passed} axe rules passed, ${axe.serious.length} serious/critical; Tab reached ${keys.reached} controls`,
      );
      expect(axe.serious, tab).toEqual([]);
      expect(await unlabelledControls(page), tab).toEqual([]);
      expect(keys.unreachable, tab).toEqual([]);
      // The checks looked at something: rules ran, and Tab went past the tabs into the panel.
      expect(axe.passed).toBeGreaterThan(10);
      expect(keys.reached).toBeGreaterThan(4);
    }
  });
}

test('the image size control scales the data grid, pixelated, within its panel', async ({ page }) => {
  await openLab(page, '#preset=tiny');
  const grid = page.getByTestId('dataset-grid');
  await expect(grid).toBeVisible({ timeout: 120_000 });
  expect(await grid.evaluate((el) => getComputedStyle(el).imageRendering)).toBe('pixelated');
  const width = async () => (await grid.boundingBox())!.width;
  await page.getByTestId('image-size').selectOption('64');
  const small = await width();
  // Shapes are 32×32: 8 columns of 64 px (2 px per image pixel) and their gutters.
  expect(small).toBeCloseTo(8 * 64 + 7 * 2, 0);
  await page.getByTestId('image-size').selectOption('256');
  const large = await width();
  const panel = (await page.locator('section', { has: grid }).boundingBox())!;
  expect(large).toBeGreaterThan(small);
  expect(large).toBeLessThanOrEqual(panel.width);
});
