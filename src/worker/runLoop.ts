/**
 * A training run's step loop: steps until the target, a pause or stop request, or a guard (a
 * non-finite loss or gradient restores the last good state and pauses; a lost GPU is handed to
 * the host's recovery), streaming metrics and previews and autosaving on the way. It yields to
 * the worker's event loop after every step, so commands are handled between steps.
 */
import { decodeCheckpoint } from '../training/checkpoint';
import type { RunEvents } from './runEvents';
import type { Run, TrainingDeps } from './trainingRun';

/**
 * Previews also come at least this often (when previews are on): on a slow GPU 500 steps can take
 * an hour, and a learner should see samples within a minute of starting.
 */
export const PREVIEW_EVERY_MS = 30_000;

/** What the loop needs from the controller that owns the run. */
export interface LoopHost extends Pick<TrainingDeps, 'now' | 'yieldToEvents'> {
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

async function steps(run: Run, host: LoopHost): Promise<void> {
  const { training } = run.config;
  for (;;) {
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
          status === 'stopped'
            ? `Stopped at step ${run.trainer.step}.`
            : `Paused at step ${run.trainer.step}.`,
      });
      return;
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
      return;
    }
    let report;
    try {
      report = await run.trainer.trainStep();
    } catch (e) {
      if (await host.recover(run, e)) continue;
      throw e;
    }
    if ('nonFinite' in report) {
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
    if (
      training.previewEverySteps > 0 &&
      (run.trainer.step % training.previewEverySteps === 0 || now - run.lastPreviewMs >= PREVIEW_EVERY_MS)
    )
      await host.events.preview(run);
    if (training.checkpointEverySec > 0 && now - run.lastSaveMs >= training.checkpointEverySec * 1000)
      await host.save(run);
    await host.yieldToEvents();
  }
}

/** Puts the run back to its last checkpoint (weights, optimiser, metrics). */
function restoreLastGood(run: Run): void {
  const { meta, state } = decodeCheckpoint(run.lastGood);
  run.trainer.restoreState(state);
  run.metrics.load(meta.metrics);
}
