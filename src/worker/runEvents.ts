/**
 * The events a training run streams to the UI: its state with the reason it changed, throttled
 * metrics (every step's points since the last event), and preview grids.
 */
import { previewGrid } from '../training/preview';
import type { Post, TrainReason, TrainStatus } from './protocol';
import type { Run, TrainingDeps } from './trainingRun';


export class RunEvents {
  constructor(
    private readonly post: Post,
    private readonly deps: Pick<TrainingDeps, 'backend' | 'now' | 'tf'>,
  ) {}

  /** The run's status, step and target, and why it changed (null: only the target moved). */
  runState(run: Run, reason: TrainReason | null): void {
    this.state(run.runId, run.status, reason, run.trainer.step, run.targetStep);
  }

  /** A state for a run id that has no Run (yet, or any more). */
  state(
    runId: string,
    status: TrainStatus,
    reason: TrainReason | null,
    step: number,
    targetStep: number,
  ): void {
    this.post({ type: 'trainState', runId, status, reason, step, targetStep, backend: this.deps.backend() });
  }

  /** The metrics since the last progress event; nothing before the first step. */
  progress(run: Run): void {
    const { trainer } = run;
    const metrics = run.metrics.progress({
      targetStep: run.targetStep,
      epoch: trainer.epoch,
      batchSize: run.config.training.batchSize,
      memory: this.deps.tf.memory(),
      backend: this.deps.backend(),
    });
    run.lastLogMs = this.deps.now();
    if (metrics) this.post({ type: 'trainProgress', runId: run.runId, metrics });
  }

  /** A grid of fixed-seed samples from the run's sampling weights, its pixels transferred. */
  async preview(run: Run): Promise<void> {
    const { grid, usedEma } = await previewGrid(run.trainer);
    run.lastPreviewMs = this.deps.now();
    this.post({ type: 'trainPreview', runId: run.runId, step: run.trainer.step, usedEma, grid }, [
      grid.data.buffer,
    ]);
  }
}
