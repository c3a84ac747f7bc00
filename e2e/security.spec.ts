import { expect, test } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { CSP_DIRECTIVES, CSP_HEADER, CSP_META } from '../csp';
import { watchRemoteRequests } from './offline';

/** Vite names a worker chunk after its source file: `lab.worker.ts` → `assets/lab.worker-<hash>.js`. */
const WORKER_SCRIPT = /\.worker-[\w-]+\.js$/;

/** Collects `securitypolicyviolation` events into `__cspViolations` from the first line of a script. */
const RECORDER = `globalThis.__cspViolations = [];
globalThis.addEventListener('securitypolicyviolation', (e) =>
  globalThis.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber));
`;

/**
 * Records CSP violations in the page and in its workers. A worker's violations fire on the worker's
 * global scope, so its script is served with the recorder in front (headers, the CSP included,
 * unchanged); the worker's response headers are kept for the test to check.
 */
async function watchViolations(context: BrowserContext, page: Page) {
  const workerHeaders: Record<string, string>[] = [];
  await context.route(WORKER_SCRIPT, async (route) => {
    const response = await route.fetch();
    workerHeaders.push(response.headers());
    await route.fulfill({ response, body: RECORDER + (await response.text()) });
  });
  await page.addInitScript(RECORDER);
  return {
    workerHeaders,
    violations: async () => {
      const all = [
        ...(await page.evaluate(
          () => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations,
        )),
      ];
      for (const worker of page.workers())
        all.push(
          ...(await worker.evaluate(
            () => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations,
          )),
        );
      return all;
    },
  };
}

test('the policy allows no eval, no inline script and no remote origin', () => {
  const sources = Object.values(CSP_DIRECTIVES).flat();
  expect(sources).not.toContain("'unsafe-eval'");
  expect(sources).not.toContain("'unsafe-inline'");
  // Keywords and data: only: no scheme or host that could name another origin.
  for (const source of sources) expect(source).toMatch(/^('[a-z-]+'|data:)$/);
  expect(CSP_DIRECTIVES['default-src']).toEqual(["'none'"]);
});

test('the built app runs under its CSP (header, meta, worker) with no violation and no request leaving the machine', async ({
  page,
  context,
}) => {
  const remote = watchRemoteRequests(context);
  const { workerHeaders, violations } = await watchViolations(context, page);
  const response = await page.goto('./');
  expect(response?.headers()['content-security-policy']).toBe(CSP_HEADER);
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute(
    'content',
    CSP_META,
  );
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByRole('button', { name: 'Run GPU check' }).click();
  await expect(page.getByTestId('gpu-check-result')).toContainText('GFLOP/s');

  expect(workerHeaders.map((h) => h['content-security-policy'])).toEqual([CSP_HEADER]);
  expect(await violations()).toEqual([]);
  expect(remote).toEqual([]);
});

for (const backend of ['webgl', 'cpu']) {
  test(`the ${backend} backend runs the GPU check under the CSP with no violation`, async ({
    page,
    context,
  }) => {
    const { violations } = await watchViolations(context, page);
    await page.goto(`./?backend=${backend}`);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', backend);
    await page.getByRole('button', { name: 'Run GPU check' }).click();
    await expect(page.getByTestId('gpu-check-result')).toContainText('GFLOP/s');
    expect(await violations()).toEqual([]);
  });
}

test('the policy is enforced: an injected inline script and a remote fetch are refused and reported', async ({
  page,
  context,
}) => {
  const remote = watchRemoteRequests(context);
  const { violations } = await watchViolations(context, page);
  await page.goto('./');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /webgpu|webgl|cpu/);

  const ran = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__injectedRan = true';
    document.head.append(script);
    return (window as unknown as { __injectedRan?: boolean }).__injectedRan ?? false;
  });
  expect(ran).toBe(false);
  const fetched = await page.evaluate(() =>
    fetch('https://example.com/weights.bin').then(
      () => 'fetched',
      (e: Error) => e.name,
    ),
  );
  expect(fetched).toBe('TypeError');

  // Chromium may report one refusal more than once; what matters is which directives fired.
  const fired = async () => [...new Set((await violations()).map((v) => v.split(' ').slice(0, 2).join(' ')))];
  await expect.poll(fired).toEqual(['script-src-elem inline', 'connect-src https://example.com/weights.bin']);
  expect(remote).toEqual([]);
});
