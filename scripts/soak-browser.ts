/**
 * The long browser soak (not part of `npm test`): the built app in headless Chromium, its own
 * training worker trains the `tiny` preset for `--steps` steps on WebGPU (SwiftShader here, a real
 * GPU elsewhere) with preview grids on. Every `--every` steps it records the worker's
 * `tf.memory()` (from trainProgress) and the whole page's memory, worker included, from
 * `performance.measureUserAgentSpecificMemory()` (available because the app is cross-origin
 * isolated). Passes when, after the first sample, the tensor count never changes and tensor bytes
 * and page memory stay within ±5 % of their first values.
 *
 *   npx vite build && npx tsx scripts/soak-browser.ts [--steps 2000] [--every 100] [--port 4273] [--backend webgpu]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { applyOverrides, presetRunConfig } from '../src/config';
import { PROTOCOL_VERSION } from '../src/worker/protocol';
import { chromiumPath, webgpuArgs } from '../e2e/browser';

const TOLERANCE = 0.05;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? '');
}
function count(name: string, fallback: number): number {
  const v = Number(option(name, String(fallback)));
  if (!Number.isSafeInteger(v) || v < 1)
    throw new Error(`--${name} ${option(name, '')} is not allowed; use a positive integer`);
  return v;
}

const steps = count('steps', 2000);
const every = count('every', 100);
const port = count('port', 4273);
const backend = option('backend', 'webgpu');
const url = `http://localhost:${port}/`;

interface Sample {
  step: number;
  numTensors: number;
  tensorBytes: number;
  pageBytes: number;
}

/** What the page keeps about the run: overwritten in place, so the soak does not grow the page itself. */
interface SoakState {
  step: number;
  numTensors: number;
  numBytes: number;
  done: boolean;
  error: string | null;
}

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`vite preview did not answer at ${url}; run \`npx vite build\` first`);
}

// Vite's own entry run by this Node (not through npx), so that killing it stops the server.
const vite = fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url));
const preview = spawn(process.execPath, [vite, 'preview', '--port', String(port), '--strictPort'], {
  stdio: 'ignore',
});
const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });
try {
  await waitForServer();
  const page = await browser.newPage();
  const appWorker = page.waitForEvent('worker');
  await page.goto(url);
  const workerUrl = (await appWorker).url();
  const config = applyOverrides(presetRunConfig('tiny'), {
    training: { targetSteps: steps, checkpointEverySec: 0, previewEverySteps: 200 },
  });
  await page.evaluate(
    ({ workerUrl, config, backend, version }) => {
      const state: SoakState = { step: 0, numTensors: 0, numBytes: 0, done: false, error: null };
      (window as unknown as { __soak: SoakState }).__soak = state;
      const worker = new Worker(workerUrl, { type: 'module' });
      // No named helpers in here: tsx would wrap them in a __name() call the page does not have.
      worker.onmessage = (e: MessageEvent) => {
        const ev = e.data as { type: string; [k: string]: unknown };
        if (ev.type === 'ready')
          worker.postMessage({
            type: 'loadDataset',
            requestId: 'd',
            source: { kind: 'builtin', id: 'shapes', baseUrl: document.baseURI },
          });
        else if (ev.type === 'datasetLoaded') worker.postMessage({ type: 'train', runId: 'soak', config });
        else if (ev.type === 'trainProgress') {
          const m = ev.metrics as { step: number; memory: { numTensors: number; numBytes: number } };
          state.step = m.step;
          state.numTensors = m.memory.numTensors;
          state.numBytes = m.memory.numBytes;
        } else if (ev.type === 'error') state.error = JSON.stringify(ev);
        else if (ev.type === 'trainState') {
          const reason = (ev.reason as { code?: string } | undefined)?.code;
          if (reason === 'target-reached') state.done = true;
          else if (reason === 'error') state.error = JSON.stringify(ev);
        }
      };
      worker.postMessage({ type: 'init', protocolVersion: version, backend });
    },
    { workerUrl, config, backend, version: PROTOCOL_VERSION },
  );

  console.log(`browser soak: ${steps} steps of tiny on ${backend}, sampled every ${every} steps`);
  console.log('| step | numTensors | tensor MiB | page MiB (with worker) |');
  console.log('| --- | --- | --- | --- |');
  const samples: Sample[] = [];
  const began = Date.now();
  let next = every;
  for (;;) {
    const s = await page.evaluate(() => (window as unknown as { __soak: SoakState }).__soak);
    if (s.error) throw new Error(`the worker reported an error: ${s.error}`);
    if (s.step >= next || s.done) {
      const pageBytes = await page.evaluate(async () => {
        const perf = performance as unknown as {
          measureUserAgentSpecificMemory(): Promise<{ bytes: number }>;
        };
        return (await perf.measureUserAgentSpecificMemory()).bytes;
      });
      const sample = { step: s.step, numTensors: s.numTensors, tensorBytes: s.numBytes, pageBytes };
      samples.push(sample);
      const mib = (b: number) => (b / 2 ** 20).toFixed(2);
      console.log(
        `| ${sample.step} | ${sample.numTensors} | ${mib(sample.tensorBytes)} | ${mib(sample.pageBytes)} |`,
      );
      next = Math.ceil((s.step + 1) / every) * every;
    }
    if (s.done) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(`\n${((Date.now() - began) / steps).toFixed(0)} ms per step, sampling included`);
  let ok = samples.length >= 2;
  for (const key of ['numTensors', 'tensorBytes', 'pageBytes'] as const) {
    const base = samples[0][key];
    const dev = Math.max(...samples.map((x) => Math.abs(x[key] - base) / base));
    const pass = key === 'numTensors' ? dev === 0 : dev <= TOLERANCE;
    ok &&= pass;
    const end = (samples[samples.length - 1][key] - base) / base;
    console.log(
      `${key}: step ${samples[0].step} → ${samples[samples.length - 1].step}: ${(end * 100).toFixed(2)} %, largest deviation ${(dev * 100).toFixed(2)} % ${pass ? 'ok' : 'FAIL'}`,
    );
  }
  process.exitCode = ok ? 0 : 1;
} finally {
  await browser.close();
  preview.kill();
}
