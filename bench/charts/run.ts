/**
 * `npm run bench:charts`: how long one training chart's redraw takes in the production build, each
 * chart alone on a page (bench/charts/main.tsx) in headless Chromium. Builds the page with Vite
 * (production React and recharts, minified), serves it by request interception, times
 * `--redraws` redraws after `--warmup`. Then (unless `--training-seconds 0`) builds the lab itself,
 * trains the tiny preset with the Train tab open and traces the page's main thread for
 * `--training-seconds` (trainingTrace.ts). Prints the tables and puts them in bench/RESULTS.md
 * (between the chart-redraw markers) unless `--no-write`. Targets: ≤ 16 ms per redraw (one
 * frame); no main-thread task over 50 ms while training.
 */
import react from '@vitejs/plugin-react';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { build } from 'vite';
import { baseArgs, chromiumPath } from '../../e2e/browser';
import type { ChartName } from './main';
import { TASK_BUDGET_MS, traceTraining, type TrainingTrace } from './trainingTrace';

interface ChartTiming {
  chart: ChartName;
  points: number;
  redraws: number;
  commitMs: number[];
  frameMs: number[];
  /** Main-thread CPU time per redraw (CDP `Performance.getMetrics` ThreadTime), ms. */
  cpuMs: number;
}

const CHARTS: readonly ChartName[] = ['loss', 'loss-per-t', 'lr-grad'];

const OUT = resolve('bench/out/charts');
const ORIGIN = 'http://localhost:7358';
const TARGET_MS = 16;
const START = '<!-- chart-redraw:start -->';
const END = '<!-- chart-redraw:end -->';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (v: number) => v.toFixed(1);

async function main(): Promise<void> {
  const warmup = option('warmup', 20);
  const redraws = option('redraws', 100);
  const trainingSeconds = option('training-seconds', 30);
  const port = option('port', 4190);
  await build({
    root: resolve('bench/charts'),
    base: './',
    mode: 'production',
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: OUT, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: baseArgs });
  let timings: ChartTiming[];
  let version: string;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.route(`${ORIGIN}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = join(OUT, path === '/' ? 'index.html' : path);
      if (!file.startsWith(OUT)) return route.fulfill({ status: 404, body: '' });
      const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }[extname(file)];
      try {
        return route.fulfill({ contentType: type ?? 'application/octet-stream', body: await readFile(file) });
      } catch {
        return route.fulfill({ status: 404, body: '' });
      }
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => typeof window.benchMount === 'function');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const threadTime = async () =>
      (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')!.value;
    timings = [];
    for (const chart of CHARTS) {
      await page.evaluate(([c, n]) => window.benchMount(c, n), [chart, warmup + redraws] as const);
      await page.evaluate((n) => window.benchRedraws(1, n), warmup);
      const before = await threadTime();
      const t = await page.evaluate(([from, n]) => window.benchRedraws(from, n), [warmup + 1, redraws]);
      const cpuMs = (((await threadTime()) - before) * 1000) / redraws;
      await page.evaluate(() => window.benchUnmount());
      timings.push({ chart, points: chart === 'loss-per-t' ? 20 : 300, redraws, ...t, cpuMs });
    }
    version = browser.version();
  } finally {
    await browser.close();
  }
  const header =
    '| chart | points per series | redraws | main-thread CPU per redraw (ms) | render + commit + layout: median / p95 / max (ms) | whole frame: median / p95 (ms) | redraws over 16 ms (wall) |\n| --- | --- | --- | --- | --- | --- | --- |';
  const rows = timings.map(
    (t) =>
      `| ${t.chart} | ${t.points} | ${t.redraws} | ${ms(t.cpuMs)} | ${ms(quantile(t.commitMs, 0.5))} / ${ms(quantile(t.commitMs, 0.95))} / ${ms(Math.max(...t.commitMs))} | ${ms(quantile(t.frameMs, 0.5))} / ${ms(quantile(t.frameMs, 0.95))} | ${t.commitMs.filter((v) => v > TARGET_MS).length} |`,
  );
  let training: TrainingTrace | undefined;
  if (trainingSeconds > 0) {
    // The lab as `npm run build` makes it (its own vite.config.ts), into dist/.
    await build({ logLevel: 'warn' });
    training = await traceTraining(port, trainingSeconds);
  }
  const trainingLines = training
    ? [
        '',
        `While training (the lab's production build, tiny preset on WebGPU (SwiftShader), Train tab open, ${training.seconds} s traced, ${training.steps} steps): ${training.tasks} main-thread tasks; longest ${ms(training.longestCpuMs)} ms of CPU (${ms(training.longestWallMs)} ms wall); over ${TASK_BUDGET_MS} ms: ${training.overBudgetCpu} by CPU time, ${training.overBudgetWall} by wall time.`,
      ]
    : [];
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'} (load average ${loadavg()[0].toFixed(1)} at the end), headless Chromium ${version}`;
  const section = [
    START,
    `## Chart redraw (${new Date().toISOString().slice(0, 10)})`,
    '',
    `One training chart alone, production build, ${machine}; ${warmup} warm-up redraws, then ${redraws} timed, each in its own animation frame (\`npm run bench:charts\`). Target: a redraw within ${TARGET_MS} ms. *CPU per redraw* is the renderer main thread's CPU time over the timed redraws ÷ their number (render, commit, style, layout, paint); the wall times beside it grow with whatever else the machine runs.`,
    '',
    header,
    ...rows,
    ...trainingLines,
    END,
  ].join('\n');
  console.log(section);
  if (process.argv.includes('--no-write')) return;
  const path = 'bench/RESULTS.md';
  const text = await readFile(path, 'utf8');
  const at = text.indexOf(START);
  const next =
    at >= 0
      ? text.slice(0, at) + section + text.slice(text.indexOf(END) + END.length)
      : text.replace('<!-- runs, newest first -->', `${section}\n\n<!-- runs, newest first -->`);
  await writeFile(path, next);
}

await main();
