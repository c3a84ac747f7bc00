/**
 * The training engine in the browser, on WebGPU: the built app's own worker script, started a
 * second time by the test, loads the Shapes dataset, trains the tiny preset for three steps and
 * autosaves a checkpoint to IndexedDB. The UI drives the same protocol.
 */
import { expect, test } from '@playwright/test';
import { applyOverrides, presetRunConfig } from '../src/config';
import { PROTOCOL_VERSION, type WorkerEvent } from '../src/worker/protocol';

test('trains the tiny preset on WebGPU in the worker and saves a checkpoint', async ({ page }) => {
  const appWorker = page.waitForEvent('worker');
  await page.goto('/');
  const workerUrl = (await appWorker).url();
  const config = applyOverrides(presetRunConfig('tiny'), { training: { targetSteps: 3, batchSize: 4, previewEverySteps: 3, previewImages: 2, previewSteps: 2 } });

  const events = (await page.evaluate(
    async ({ workerUrl, config, version }) => {
      const worker = new Worker(workerUrl, { type: 'module' });
      const seen: WorkerEvent[] = [];
      const done = new Promise<void>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<WorkerEvent>) => {
          const ev = e.data;
          seen.push(ev);
          if (ev.type === 'ready') worker.postMessage({ type: 'loadDataset', runId: 'd', source: { kind: 'builtin', id: 'shapes', baseUrl: document.baseURI } });
          if (ev.type === 'datasetLoaded') worker.postMessage({ type: 'train', runId: 'e2e', config });
          if (ev.type === 'trainState' && ev.reason?.code === 'target-reached') resolve();
          if (ev.type === 'error' || (ev.type === 'trainState' && ev.reason?.code === 'error')) reject(new Error(JSON.stringify(ev)));
        };
      });
      worker.postMessage({ type: 'init', protocolVersion: version, backend: 'webgpu' });
      await done;
      worker.terminate();
      // Pixel buffers do not survive the trip back to the test; keep what the assertions need.
      return seen.map((e) => (e.type === 'datasetLoaded' || e.type === 'trainPreview' ? { ...e, preview: undefined, grid: undefined } : e));
    },
    { workerUrl, config, version: PROTOCOL_VERSION },
  )) as WorkerEvent[];

  const ready = events.find((e) => e.type === 'ready');
  expect(ready && ready.type === 'ready' && ready.backend.name).toBe('webgpu');
  const points = events.flatMap((e) => (e.type === 'trainProgress' ? e.metrics.points : []));
  expect(points.map((p) => p.step)).toEqual([1, 2, 3]);
  for (const p of points) expect(Number.isFinite(p.loss) && p.loss > 0).toBe(true);
  expect(events.some((e) => e.type === 'trainPreview' && e.step === 3)).toBe(true);
  const saved = events.find((e) => e.type === 'checkpointSaved');
  expect(saved && saved.type === 'checkpointSaved' && saved.checkpoint).toMatchObject({ runId: 'e2e', step: 3, backend: 'webgpu' });
});
