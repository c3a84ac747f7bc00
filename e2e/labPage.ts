/** Helpers the lab's browser tests share: opening the page on WebGPU, tabs, canvases, downloads. */
import { expect, type Locator, type Page } from '@playwright/test';

/** Opens the lab with a run config in the hash and waits until the worker runs on WebGPU. */
export async function openLab(page: Page, hash = '#preset=tiny'): Promise<void> {
  await page.goto(`./${hash}`);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
}

export async function openTab(
  page: Page,
  name: 'Data' | 'Train' | 'Sample & timeline' | 'Weights' | 'Clinic',
): Promise<void> {
  const tab = page.getByRole('tab', { name });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

/** The pixels a canvas shows, as a data URL, to tell frames apart. */
export function canvasPixels(canvas: Locator): Promise<string> {
  return canvas.evaluate((el) => (el as HTMLCanvasElement).toDataURL());
}

/** Samples with the settings on the Sample tab and returns the checksum of the images. */
export async function sampleAndWait(page: Page): Promise<string> {
  // The click puts the run in progress at once, so a previous run's "Done" cannot satisfy the wait.
  await page.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(page.getByTestId('sample-status')).toContainText('Done', { timeout: 240_000 });
  console.log('sample:', await page.getByTestId('sample-status').textContent());
  const sum = await page.getByTestId('sample-result').getAttribute('data-checksum');
  expect(sum).toMatch(/^[0-9a-f]{8}$/);
  return sum!;
}

/** A README screenshot of the current page, written to docs/screenshots/NAME.png. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });
}

/**
 * Every visible control on the page has an accessible name and can be reached with Tab (roving
 * tab stops, like inactive tabs, are reached with the arrow keys instead). Returns the controls
 * that fail, described, so the test names them.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (el: HTMLElement): boolean => {
      if (el.getAttribute('aria-label')?.trim()) return true;
      const by = el.getAttribute('aria-labelledby');
      if (by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent?.trim())) return true;
      if (
        el instanceof HTMLInputElement ||
        el instanceof HTMLSelectElement ||
        el instanceof HTMLTextAreaElement
      )
        return Array.from(el.labels ?? []).some((l) => l.textContent?.trim());
      return Boolean(el.textContent?.trim());
    };
    const controls = Array.from(
      document.querySelectorAll<HTMLElement>(
        'button, input, select, textarea, [tabindex]:not([tabindex="-1"])',
      ),
    ).filter((el) => el.offsetParent !== null || el.getClientRects().length > 0);
    return controls
      .filter((el) => !named(el) || (el.tabIndex < 0 && el.getAttribute('role') !== 'tab'))
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} ${el.outerHTML.slice(0, 80)}`);
  });
}

/**
 * axe-core on the page as it is now (WCAG 2.1 A and AA rules): its serious and critical
 * violations, each as `rule: what it found` so a failing test names them, and how many rules passed.
 */
export async function seriousA11yViolations(page: Page): Promise<{ serious: string[]; passed: number }> {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const { violations, passes } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  return { serious, passed: passes.length };
}

/**
 * Walks the page with Tab from the top and returns the visible, enabled controls it never reached.
 * Roving tab stops are reached with the arrow keys instead: the inactive tabs of a tablist and the
 * unchecked radios of a group that has a checked one.
 */
export async function keyboardUnreachable(page: Page): Promise<{ reached: number; unreachable: string[] }> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const seen = new Set<string>();
  await page.evaluate(() =>
    document
      .querySelectorAll<HTMLElement>('button, input, select, textarea, [tabindex], svg[tabindex]')
      .forEach((el, i) => (el.dataset.kbd = String(i))),
  );
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset?.kbd ?? '');
    if (id && seen.has(id)) break;
    if (id) seen.add(id);
  }
  const unreachable = await page.evaluate((reached) => {
    const roving = (el: HTMLElement) =>
      (el.getAttribute('role') === 'tab' && el.getAttribute('aria-selected') !== 'true') ||
      (el instanceof HTMLInputElement &&
        el.type === 'radio' &&
        !el.checked &&
        document.querySelector(`input[type=radio][name="${el.name}"]:checked`) !== null);
    return Array.from(document.querySelectorAll<HTMLElement>('[data-kbd]'))
      .filter((el) => el.getClientRects().length > 0 && !(el as HTMLButtonElement).disabled)
      .filter((el) => el.tabIndex >= 0 && !roving(el))
      .filter((el) => !reached.includes(el.dataset.kbd!))
      .map((el) => `${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 100)}`);
  }, [...seen]);
  return { reached: seen.size, unreachable };
}
