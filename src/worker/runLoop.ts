/**
 * A training run's step loop: steps until the target, a pause or stop request, or a guard (a
 * non-finite loss or gradient restores the last good state and pauses; a lost GPU is handed to
 * the host's recovery), streaming metrics and previews and autosaving on the way. It yields to
 * the worker's event loop after every step, so commands are handled between steps. On the
 * compiled WebGPU step it keeps up to {@link RUN_AHEAD} further steps queued behind the one it
 * reports, so the GPU never waits for the host; it lets the queue empty before anything that
 * reads the run's state (boundary work, a pause or stop, a preview, a save) and never queues
 * past the target or a preview step.
 */
import { decodeCheckpoint } from '../training/checkpoint';
import { RUN_AHEAD } from '../training/trainer';
import type { RunEvents } from './runEvents';
import type { Run, TrainingDeps } from './trainingRun';

/**
 * Previews also come at least this often (when previews are on): on a slow GPU 500 steps can take
 * an hour, and a learner should see samples within a minute of starting.
 */
export const PREVIEW_EVERY_MS = 30_000;

/** What the loop needs from the controller that owns the run. */
export interface LoopHost extends Pick<TrainingDeps, 'now' | 'yieldToEvents' | 'atStepBoundary'> {
  events: RunEvents;
  /** Writes a checkpoint of the run (and makes it the last good state). */
  save(run: Run): Promise<void>;
  /** Rebuilds the run after a step threw; false when the error is not one it recovers from. */
  recover(run: Run, error: unknown): Promise<boolean>;
}

/** Steps until the target, a request, or a guard; then saves and reports why it stopped. */
export async function stepLoop(run: Run, host: LoopHost): Promise<void> {
  try {
    await steps(run, host);
  } finally {
    await atBoundary(run);
  }
}

/** Runs the work queued for a step boundary, in order (see `Run.atBoundary`). */
async function atBoundary(run: Run): Promise<void> {
  for (let task = run.atBoundary.shift(); task; task = run.atBoundary.shift()) await task();
}

/** What deciding how far to queue ahead reads of a run. */
export type QueueView = Pick<
  Run,
  'atBoundary' | 'request' | 'lastPreviewMs' | 'lastSaveMs' | 'targetStep'
> & {
  trainer: Pick<Run['trainer'], 'step'>;
  config: { training: Pick<Run['config']['training'], 'previewEverySteps' | 'checkpointEverySec'> };
};

/** Whether anything that reads the run's state is waiting, so no further step should be queued. */
function stateWanted(run: QueueView, now: number): boolean {
  const { training } = run.config;
  return (
    run.atBoundary.length > 0 ||
    run.request !== null ||
    (training.previewEverySteps > 0 && now - run.lastPreviewMs >= PREVIEW_EVERY_MS) ||
    (training.checkpointEverySec > 0 && now - run.lastSaveMs >= training.checkpointEverySec * 1000)
  );
}

/** Steps the trainer may queue behind the next one: none past the target or the next preview step. */
export function aheadOf(run: QueueView, now: number): number {
  if (stateWanted(run, now)) return 0;
  const { trainer, targetStep } = run;
  const every = run.config.training.previewEverySteps;
  const queuedEnd = Math.min(
    targetStep,
    every > 0 ? (Math.floor(trainer.step / every) + 1) * every : targetStep,
  );
  return Math.max(0, Math.min(RUN_AHEAD, queuedEnd - trainer.step - 1));
}

async function steps(run: Run, host: LoopHost): Promise<void> {
  const { training } = run.config;
  for (;;) {
    // With steps in flight the state is ahead of `trainer.step`: report them first.
    if (run.trainer.inFlight === 0) {
      if (await boundaryEnds(run, host)) return;
      host.atStepBoundary?.run();
    }
    const ahead = host.atStepBoundary?.armed() ? 0 : aheadOf(run, host.now());
    let report;
    try {
      report = await run.trainer.trainStep({ ahead });
    } catch (e) {
      if (await host.recover(run, e)) continue;
      throw e;
    }
    if ('nonFinite' in report) {
      await run.trainer.settle();
      restoreLastGood(run);
      run.status = 'paused';
      run.metrics.pause();
      host.events.runState(run, {
        code: 'non-finite',
        message: `Step ${report.step + 1} gave a ${Number.isFinite(report.loss) ? 'non-finite gradient norm' : 'non-finite loss'} (loss ${report.loss}, gradient norm ${report.gradNorm}); the last good state (step ${run.trainer.step}) was restored.`,
        advice:
          'Lower the learning rate, turn gradient clipping on (1.0), use more warm-up steps, or use [-1, 1] inputs instead of mean/std.',
      });
      return;
    }
    const now = host.now();
    run.metrics.record(report, now);
    if (now - run.lastLogMs >= training.logEveryMs) host.events.progress(run);
    if (run.trainer.inFlight === 0) {
      if (
        training.previewEverySteps > 0 &&
        (run.trainer.step % training.previewEverySteps === 0 || now - run.lastPreviewMs >= PREVIEW_EVERY_MS)
      )
        await host.events.preview(run);
      if (training.checkpointEverySec > 0 && now - run.lastSaveMs >= training.checkpointEverySec * 1000)
        await host.save(run);
    }
    await host.yieldToEvents();
  }
}

/** The work between steps: queued boundary tasks; true when a pause, stop or the target ends the loop. */
async function boundaryEnds(run: Run, host: LoopHost): Promise<boolean> {
  await atBoundary(run);
  if (run.request === 'stop' || run.request === 'pause') {
    const status = run.request === 'stop' ? 'stopped' : 'paused';
    run.request = null;
    await host.save(run);
    run.status = status;
    run.metrics.pause();
    host.events.runState(run, {
      code: 'user',
      message:
        status === 'stopped' ? `Stopped at step ${run.trainer.step}.` : `Paused at step ${run.trainer.step}.`,
    });
    return true;
  }
  if (run.trainer.step >= run.targetStep) {
    host.events.progress(run);
    await host.save(run);
    run.status = 'paused';
    run.metrics.pause();
    host.events.runState(run, {
      code: 'target-reached',
      message: `Reached the target of ${run.targetStep} steps.`,
      advice: 'Raise the target step to train further.',
    });
    return true;
  }
  return false;
}

/** Puts the run back to its last checkpoint (weights, optimiser, metrics). */
function restoreLastGood(run: Run): void {
  const { meta, state } = decodeCheckpoint(run.lastGood);
  run.trainer.restoreState(state);
  run.metrics.load(meta.metrics);
}
