/**
 * Runs one case in headless Chromium (the system browser, flags from e2e/browser.ts): a blank
 * page on http://localhost (a secure context, so WebGPU is exposed) served by request
 * interception, no server. One browser per case, so a case killed at a cap leaves nothing behind.
 */
import { readFile } from 'node:fs/promises';
import { chromiumPath, webgpuArgs } from '../../e2e/browser';
import { Stopper, waitingFor, watchdogMs, type CaseOutcome } from './supervise';
import type { BenchEvent, EnvSpec } from './types';

const ORIGIN = 'http://localhost:7357';
const PAGE = `<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/case.js"></script>`;

export interface BrowserCase {
  /** bench/out/browser-case.js */
  bundle: string;
  spec: EnvSpec;
  firstCapMs: number;
  runDeadline: number;
  budgetSeconds: number;
  onEvent?(e: BenchEvent): void;
}

/** Runs the case; `chromium` is the browser's version, for the machine description. */
export async function runBrowserCase(c: BrowserCase): Promise<CaseOutcome & { chromium?: string }> {
  const { chromium } = await import('playwright-core');
  const script = await readFile(c.bundle, 'utf8');
  const events: BenchEvent[] = [];
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });
  } catch (e) {
    return {
      events,
      ended: `could not start Chromium at ${chromiumPath}: ${(e as Error).message.split('\n')[0]}`,
    };
  }
  let killed: () => void = () => undefined;
  const stoppedEarly = new Promise<void>((resolve) => (killed = resolve));
  const stopper = new Stopper(
    () => {
      killed();
      void browser.close().catch(() => undefined);
    },
    c.runDeadline,
    c.budgetSeconds,
  );
  const arm = () => stopper.arm(watchdogMs(events.at(-1), c.spec, c.firstCapMs), waitingFor(events.at(-1)));
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => events.push({ type: 'error', message: `page error: ${err.message}` }));
    await page.exposeFunction('benchEmit', (e: BenchEvent) => {
      events.push(e);
      c.onEvent?.(e);
      arm();
    });
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/') return route.fulfill({ contentType: 'text/html', body: PAGE });
      if (path === '/case.js') return route.fulfill({ contentType: 'text/javascript', body: script });
      return route.fulfill({ status: 404, body: '' });
    });
    arm();
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => typeof window.benchRun === 'function');
    const run = page.evaluate((spec) => window.benchRun(spec), c.spec);
    await Promise.race([run, stoppedEarly]);
    const chromiumVersion = browser.version();
    return {
      events,
      ended:
        stopper.reason ??
        (events.some((e) => e.type === 'done') ? null : 'the page stopped before finishing'),
      chromium: chromiumVersion,
    };
  } catch (e) {
    return { events, ended: stopper.reason ?? `browser: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    stopper.clear();
    await browser.close().catch(() => undefined);
  }
}
