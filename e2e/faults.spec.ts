/**
 * Faults in the built app (issue 9): a killed worker, a lost WebGPU device, a full storage, a
 * reload in the middle of a checkpoint write and a non-finite loss. The page is opened with
 * `?faults`, so the worker exposes `self.__labFaults` (src/worker/faults.ts), which the tests
 * reach with `worker.evaluate`; the kill and the storage quota need no hook (`self.close()`, CDP).
 */
import { expect, test, type Page, type Worker } from '@playwright/test';
import type { LabFaults } from '../src/worker/faults';
import { openLab, openTab } from './labPage';

/** The tiny preset at batch 2 with no previews, a checkpoint after every step (each takes over a second here). */
const SETUP = [
  'preset=tiny',
  'training.batchSize=2',
  'training.targetSteps=500',
  'training.previewEverySteps=0',
  'training.checkpointEverySec=1',
].join('&');

type FaultScope = { __labFaults: LabFaults };

/** The lab's own worker (the page starts no other). */
function labWorker(page: Page): Worker {
  const worker = page.workers().find((w) => w.url().includes('lab.worker'));
  if (!worker)
    throw new Error(
      `no lab worker among ${page
        .workers()
        .map((w) => w.url())
        .join(', ')}`,
    );
  return worker;
}

const step = async (page: Page) => Number(await page.getByTestId('train-progress').getAttribute('data-step'));
const phase = (page: Page) => page.getByTestId('train-phase');

/** Opens the lab in fault mode and trains until at least one checkpoint has committed; returns its step. */
async function trainToCheckpoint(page: Page): Promise<number> {
  await openLab(page, `?faults#${SETUP}`);
  await openTab(page, 'Train');
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await expect(train).toBeEnabled({ timeout: 240_000 });
  await train.click();
  await expect(phase(page)).toHaveAttribute('data-phase', 'running', { timeout: 240_000 });
  return savedAfter(page, 0);
}

/** Waits for a checkpoint past `step` to commit and returns the newest committed step. */
async function savedAfter(page: Page, after: number): Promise<number> {
  const worker = labWorker(page);
  const newest = () =>
    worker.evaluate(() => (self as unknown as FaultScope).__labFaults.state().savedSteps.at(-1) ?? 0);
  await expect.poll(newest, { timeout: 240_000 }).toBeGreaterThan(after);
  return newest();
}

/** The training step passes `step` (the run goes on). */
async function stepsPast(page: Page, past: number): Promise<void> {
  await expect.poll(() => step(page), { timeout: 240_000 }).toBeGreaterThan(past);
}

test.describe.configure({ timeout: 600_000 });

test('a worker killed mid-run: the page says so, Restart starts a new worker and resumes from the last checkpoint', async ({
  page,
}) => {
  const saved = await trainToCheckpoint(page);
  const chart = page.getByTestId('loss-chart');
  const stopped = page.getByTestId('worker-stopped');
  // The first step compiled shaders for seconds without a word from the worker: no false alarm.
  await expect(stopped).toBeHidden();
  // self.close() ends the worker at once, the way a crash does; the evaluate may not get its answer.
  await labWorker(page)
    .evaluate(() => self.close())
    .catch(() => undefined);
  await expect(stopped).toContainText('The lab worker stopped');
  await expect(stopped).toContainText('resumes from the last checkpoint (step');
  const seen = await step(page);
  await stopped.getByRole('button', { name: 'Restart' }).click();
  await expect(stopped).toBeHidden();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu', {
    timeout: 240_000,
  });
  await expect(phase(page)).toHaveAttribute('data-phase', 'running', { timeout: 240_000 });
  // The charts start from the checkpoint's history, not from nothing.
  await expect
    .poll(async () => Number(await chart.getAttribute('data-points')))
    .toBeGreaterThanOrEqual(saved);
  await stepsPast(page, Math.max(seen, saved));
  await expect(page.getByTestId('worker-restarting')).toBeHidden();
});

test('a lost WebGPU device: training resumes from its checkpoint on the fallback backend and the badge says why', async ({
  page,
}) => {
  await trainToCheckpoint(page);
  const lost = await labWorker(page).evaluate(() => (self as unknown as FaultScope).__labFaults.loseDevice());
  expect(lost).toBe(true);
  const badge = page.getByTestId('backend-badge');
  await expect(badge).not.toHaveAttribute('data-backend', 'webgpu', { timeout: 240_000 });
  await expect(page.getByTestId('fallback-reasons')).toContainText('The GPU device was lost');
  await expect(page.getByTestId('train-reason')).toContainText('resuming from the last checkpoint on');
  const at = await step(page);
  await expect(phase(page)).toHaveAttribute('data-phase', 'running');
  await stepsPast(page, at);
  console.log('after device loss:', await badge.getAttribute('data-backend'));
});

test('a full storage: autosave fails with a clear message and Export run, and training goes on', async ({
  page,
}, info) => {
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(info.project.use.baseURL ?? '').origin;
  // Room for the databases themselves, not for a checkpoint (~2 MB for the tiny model with EMA and Adam).
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 64 * 1024 });
  await openLab(page, `?faults#${SETUP}`);
  await openTab(page, 'Train');
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await expect(train).toBeEnabled({ timeout: 240_000 });
  await train.click();
  const full = page.getByTestId('storage-full');
  await expect(full).toContainText('autosave failed: storage is full (QuotaExceededError', {
    timeout: 240_000,
  });
  await expect(full).toContainText('training continues; export the run to keep it');
  console.log('storage full:', await full.textContent());
  const at = await step(page);
  await stepsPast(page, at);
  await expect(phase(page)).toHaveAttribute('data-phase', 'running');
  const download = page.waitForEvent('download');
  await full.getByRole('button', { name: 'Export run' }).click();
  expect((await download).suggestedFilename()).toMatch(/^ddpm-run-.*\.zip$/);
});

test('a reload during a checkpoint write: the previous checkpoint stays and resuming it works', async ({
  page,
}) => {
  await trainToCheckpoint(page);
  const worker = labWorker(page);
  await worker.evaluate(() => (self as unknown as FaultScope).__labFaults.holdSaves());
  await expect
    .poll(() => worker.evaluate(() => (self as unknown as FaultScope).__labFaults.state().heldStep), {
      timeout: 240_000,
    })
    .not.toBeNull();
  const { savedSteps, heldStep } = await worker.evaluate(() =>
    (self as unknown as FaultScope).__labFaults.state(),
  );
  const completed = savedSteps.at(-1)!;
  expect(heldStep).toBeGreaterThan(completed);
  await page.reload();
  await openTab(page, 'Train');
  const resume = page.getByTestId('resume');
  await expect(resume).toHaveText(`Resume from step ${completed}`, { timeout: 240_000 });
  await expect(resume).toBeEnabled({ timeout: 240_000 });
  await resume.click();
  await expect(phase(page)).toHaveAttribute('data-phase', 'running', { timeout: 240_000 });
  await stepsPast(page, completed);
});

test('a non-finite loss: the last good state is restored, the page says so, and training resumes', async ({
  page,
}) => {
  await trainToCheckpoint(page);
  await labWorker(page).evaluate(() => (self as unknown as FaultScope).__labFaults.poisonNextStep());
  const reason = page.getByTestId('train-reason');
  await expect(reason).toContainText('non-finite loss', { timeout: 240_000 });
  await expect(reason).toContainText('the last good state (step');
  await expect(phase(page)).toHaveAttribute('data-phase', 'paused');
  const at = await step(page);
  await page.getByTestId('resume').click();
  await expect(phase(page)).toHaveAttribute('data-phase', 'running');
  await stepsPast(page, at);
});
