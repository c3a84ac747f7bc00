/**
 * The training engine in the browser, on WebGPU: the built app's own worker script, started again
 * by the test, loads Shapes and trains the tiny preset, autosaving checkpoints to IndexedDB; a
 * fresh worker (a reloaded page) lists the checkpoint and resumes it, and its next loss equals an
 * uninterrupted run's. The UI drives the same protocol.
 */
import { expect, test, type Page } from '@playwright/test';
import { applyOverrides, presetRunConfig, type RunConfig } from '../src/config';
import { PROTOCOL_VERSION, type Command, type WorkerEvent } from '../src/worker/protocol';

/**
 * Starts a worker from `url` in the page, sends `init` then `loadDataset` (Shapes), then each
 * command of `script` once the event before it matched, and resolves with every event seen
 * (pixel buffers dropped). A script step is [command, the event type that ends the step].
 */
function runWorker(page: Page, url: string, script: [Command, string, string?][]): Promise<WorkerEvent[]> {
  return page.evaluate(
    async ({ url, script, version }) => {
      const worker = new Worker(url, { type: 'module' });
      const seen: WorkerEvent[] = [];
      const steps: [Command, string, string?][] = [
        [{ type: 'init', protocolVersion: version, backend: 'webgpu' }, 'ready'],
        [
          {
            type: 'loadDataset',
            requestId: 'd',
            source: { kind: 'builtin', id: 'shapes', baseUrl: document.baseURI },
          },
          'datasetLoaded',
        ],
        ...script,
      ];
      await new Promise<void>((resolve, reject) => {
        let at = 0;
        const ends = (ev: WorkerEvent) => {
          const [, type, reason] = steps[at];
          return (
            ev.type === type &&
            (reason === undefined || (ev.type === 'trainState' && ev.reason?.code === reason))
          );
        };
        worker.onmessage = (e: MessageEvent<WorkerEvent>) => {
          const ev = e.data;
          seen.push(
            ev.type === 'datasetLoaded' || ev.type === 'trainPreview'
              ? ({ ...ev, preview: undefined, grid: undefined } as unknown as WorkerEvent)
              : ev,
          );
          if (ev.type === 'error' || (ev.type === 'trainState' && ev.reason?.code === 'error'))
            reject(new Error(JSON.stringify(ev)));
          else if (ends(ev)) {
            at++;
            if (at === steps.length) resolve();
            else worker.postMessage(steps[at][0]);
          }
        };
        worker.postMessage(steps[0][0]);
      });
      worker.terminate();
      return seen;
    },
    { url, script, version: PROTOCOL_VERSION },
  );
}

const lossAt = (events: WorkerEvent[], step: number) =>
  events.flatMap((e) => (e.type === 'trainProgress' ? e.metrics.points : [])).find((p) => p.step === step)
    ?.loss;

test('trains the tiny preset on WebGPU in the worker, saves to IndexedDB, and resumes exactly in a fresh worker', async ({
  page,
}) => {
  const appWorker = page.waitForEvent('worker');
  await page.goto('/');
  const url = (await appWorker).url();
  const config: RunConfig = applyOverrides(presetRunConfig('tiny'), {
    training: { targetSteps: 3, batchSize: 4, previewEverySteps: 3, previewImages: 2, previewSteps: 2 },
  });

  const first = await runWorker(page, url, [
    [{ type: 'train', runId: 'e2e', config }, 'trainState', 'target-reached'],
  ]);
  const ready = first.find((e) => e.type === 'ready');
  expect(ready?.type === 'ready' && ready.backend.name).toBe('webgpu');
  const points = first.flatMap((e) => (e.type === 'trainProgress' ? e.metrics.points : []));
  expect(points.map((p) => p.step)).toEqual([1, 2, 3]);
  for (const p of points) expect(Number.isFinite(p.loss) && p.loss > 0).toBe(true);
  expect(first.some((e) => e.type === 'trainPreview' && e.step === 3)).toBe(true);
  const saved = first.find((e) => e.type === 'checkpointSaved');
  expect(saved?.type === 'checkpointSaved' && saved.checkpoint).toMatchObject({
    runId: 'e2e',
    step: 3,
    backend: 'webgpu',
  });
  const id = saved?.type === 'checkpointSaved' ? saved.checkpoint.id : '';

  // A reloaded page: list, resume from step 3 and train one more step.
  const resumed = await runWorker(page, url, [
    [{ type: 'listCheckpoints' }, 'checkpoints'],
    [{ type: 'train', runId: 'e2e', config, resume: id }, 'trainState', 'target-reached'],
    [{ type: 'setTargetStep', runId: 'e2e', targetStep: 4 }, 'trainState'],
    [{ type: 'resume', runId: 'e2e' }, 'trainState', 'target-reached'],
  ]);
  const listed = resumed.find((e) => e.type === 'checkpoints');
  expect(listed?.type === 'checkpoints' && listed.checkpoints.find((c) => c.id === id)?.step).toBe(3);

  const straight = await runWorker(page, url, [
    [
      {
        type: 'train',
        runId: 'straight',
        config: { ...config, training: { ...config.training, targetSteps: 4 } },
      },
      'trainState',
      'target-reached',
    ],
  ]);
  expect(lossAt(straight, 3)).toBe(lossAt(first, 3));
  expect(lossAt(resumed, 4)).toBe(lossAt(straight, 4));
});
