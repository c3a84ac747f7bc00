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
    await expect(page.getByTestId('dataset-grid')).toBeVisible({ timeout: 60_000 });
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
