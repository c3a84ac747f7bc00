/**
 * The main thread of the built lab while it trains (the tiny preset on WebGPU, the Train tab open
 * with its three charts redrawing): a Chrome trace of `seconds`, every task of the page's
 * renderer main thread with its wall time (`dur`) and its CPU time (`tdur`). On a machine shared
 * with other work, a task's wall time includes waiting for a core; its CPU time does not.
 */
import { preview } from 'vite';
import { chromiumPath, webgpuArgs } from '../../e2e/browser';

export interface TrainingTrace {
  seconds: number;
  steps: number;
  tasks: number;
  overBudgetWall: number;
  overBudgetCpu: number;
  longestWallMs: number;
  longestCpuMs: number;
}

interface TraceEvent {
  name: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

const SETUP =
  '#preset=tiny&training.batchSize=2&training.targetSteps=100000&training.previewEverySteps=3&training.previewImages=2&training.previewSteps=2';
/** The page's budget for one task (ARCHITECTURE.md, "Main-thread budget"). */
export const TASK_BUDGET_MS = 50;

/** Serves dist/ (the production build) on `port`, trains, traces `seconds` of it. */
export async function traceTraining(port: number, seconds: number): Promise<TrainingTrace> {
  const server = await preview({ preview: { port, strictPort: true }, logLevel: 'warn' });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://localhost:${port}/${SETUP}`);
    await page.locator('[data-testid=backend-badge][data-backend=webgpu]').waitFor({ timeout: 120_000 });
    await page.getByTestId('dataset-grid').waitFor({ timeout: 120_000 });
    await page.getByRole('tab', { name: 'Train' }).click();
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    // Past the first step (shader compilation), so the trace sees steady training.
    const chart = page.getByTestId('loss-chart');
    await page.waitForFunction(
      (el) => Number(el?.getAttribute('data-points')) >= 2,
      await chart.elementHandle(),
      {
        timeout: 300_000,
      },
    );
    const stepAt = async () => Number(await page.getByTestId('train-progress').getAttribute('data-step'));
    const firstStep = await stepAt();
    const cdp = await page.context().newCDPSession(page);
    const events: TraceEvent[] = [];
    cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.start', {
      categories: 'devtools.timeline,disabled-by-default-devtools.timeline',
      transferMode: 'ReportEvents',
    });
    await page.waitForTimeout(seconds * 1000);
    await cdp.send('Tracing.end');
    await complete;
    const steps = (await stepAt()) - firstStep;
    const mains = new Set(
      events
        .filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
        .map((e) => `${e.pid}:${e.tid}`),
    );
    const tasks = events.filter(
      (e) => e.name === 'RunTask' && e.dur !== undefined && mains.has(`${e.pid}:${e.tid}`),
    );
    const wall = tasks.map((t) => t.dur! / 1000);
    const cpu = tasks.map((t) => (t.tdur ?? t.dur!) / 1000);
    return {
      seconds,
      steps,
      tasks: tasks.length,
      overBudgetWall: wall.filter((v) => v > TASK_BUDGET_MS).length,
      overBudgetCpu: cpu.filter((v) => v > TASK_BUDGET_MS).length,
      longestWallMs: Math.max(0, ...wall),
      longestCpuMs: Math.max(0, ...cpu),
    };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}
