/**
 * The worker's training commands and the run's life: builds the trainer from a run config and the
 * loaded dataset (or a checkpoint), starts the step loop (runLoop.ts), pauses, resumes, stops and
 * frees the run, saves checkpoints, rebuilds the run after a lost GPU, and exports it. Free of any
 * Worker API: `engine.test.ts`-style tests drive it with plain commands.
 */
import { parseRunConfig } from '../config/validate';
import type { RunConfig } from '../config/runConfig';
import { TrainingDataError, prepareTrainingData } from '../training/batch';
import { decodeCheckpoint, encodeCheckpoint } from '../training/checkpoint';
import { StorageFullError } from '../training/checkpointStore';
import { LossPerTBuckets } from '../training/lossPerT';
import { RunMetrics } from '../training/runMetrics';
import { Trainer } from '../training/trainer';
import type { ModelSlot } from './modelSlot';
import type { DatasetCommands } from './datasetCommands';
import { commandIds, type Post, type RunExportFormat, type TrainReason, type TrainingCommand } from './protocol';
import { RunEvents } from './runEvents';
import { stepLoop, type LoopHost } from './runLoop';
import { writeZip } from '../io/zip';
import { pytorchProjectFiles } from '../pytorch/project';
import { PYTORCH_TEMPLATES } from '../pytorch/templates';
import { runZip } from './runExport';
import { importRunBundle } from './runImport';
import { TrainedSlot } from './trainedSlot';
import {
  TrainingCommandError,
  datasetFor,
  resumableCheckpoint,
  trainingErrorCode,
  type Run,
  type TrainingDeps,
} from './trainingRun';

export class TrainingController {
  private run: Run | null = null;
  private readonly trained: TrainedSlot;
  private readonly events: RunEvents;
  private readonly loopHost: LoopHost;

  constructor(
    private readonly post: Post,
    slot: ModelSlot,
    private readonly datasets: DatasetCommands,
    private readonly deps: TrainingDeps,
  ) {
    this.trained = new TrainedSlot(slot, post);
    this.events = new RunEvents(post, deps);
    this.loopHost = {
      events: this.events,
      save: (run) => this.save(run),
      recover: (run, error) => this.recover(run, error),
      now: () => deps.now(),
      yieldToEvents: () => deps.yieldToEvents(),
    };
  }

  /** Handles one training command; failures become one `error` event. */
  async handle(cmd: TrainingCommand): Promise<void> {
    try {
      await this.dispatch(cmd);
    } catch (e) {
      const code = trainingErrorCode(e);
      this.post({ type: 'error', ...commandIds(cmd), code, message: (e as Error).message ?? String(e) });
    }
  }

  /** Resolves when the current run's loop has stopped (tests). */
  async idle(): Promise<void> {
    await this.run?.loop;
  }

  private async dispatch(cmd: TrainingCommand): Promise<void> {
    switch (cmd.type) {
      case 'loadDataset':
        return this.datasets.load(cmd.requestId, cmd.source);
      case 'previewDataset':
        return this.datasets.preview(cmd.requestId, cmd.seed, cmd.count);
      case 'train':
        return this.start(cmd.runId, cmd.config, cmd.resume);
      case 'pause':
        return this.pause(cmd.runId);
      case 'resume':
        return this.resume(cmd.runId);
      case 'stop':
        return this.stop(cmd.runId);
      case 'reset':
        return this.reset(cmd.runId);
      case 'setTargetStep':
        return this.setTargetStep(cmd.runId, cmd.targetStep);
      case 'previewNow':
        return this.previewNow(cmd.runId);
      case 'listCheckpoints':
        return this.postCheckpoints();
      case 'deleteCheckpoint':
        await this.deps.store.delete(cmd.checkpointId);
        return this.postCheckpoints();
      case 'exportRun':
        return this.exportRun(cmd.requestId, cmd.runId, cmd.format ?? 'run');
      case 'importRun': {
        const checkpoint = await importRunBundle(this.run, new Uint8Array(cmd.bytes), this.deps);
        this.post({ type: 'runImported', requestId: cmd.requestId, checkpoint });
        return this.postCheckpoints();
      }
    }
  }

  private async start(runId: string, input: RunConfig, resume?: string): Promise<void> {
    if (this.run && this.run.status !== 'stopped')
      throw new TrainingCommandError(
        'busy',
        `train: run ${this.run.runId} is ${this.run.status}; stop or reset it before starting another`,
      );
    const config = parseRunConfig(input);
    const loaded = datasetFor(this.datasets.current(), config);
    const checkpointBytes = resume === undefined ? null : await this.loadCheckpoint(resume);
    let data;
    try {
      data = prepareTrainingData(loaded.pair, config);
    } catch (e) {
      if (!(e instanceof TrainingDataError)) throw e;
      if (e.code === 'dataset-mismatch') throw new TrainingCommandError('dataset', `train: ${e.message}`);
      const advice = 'Lower the batch size, drop the class filter, or load a larger dataset.';
      this.events.state(
        runId,
        'idle',
        { code: 'dataset-too-small', message: e.message, advice },
        0,
        config.training.targetSteps,
      );
      return;
    }
    // Everything about the checkpoint is checked before the current run or any GPU memory is touched.
    const checkpoint =
      resume === undefined || checkpointBytes === null
        ? null
        : resumableCheckpoint(resume, checkpointBytes, config, data.dataset.count);
    this.disposeRun();
    this.events.state(runId, 'starting', null, checkpoint?.meta.step ?? 0, config.training.targetSteps);
    const trainer = new Trainer(config, data);
    const metrics = new RunMetrics(trainer.scheduler.config.num_train_timesteps);
    if (checkpoint) {
      try {
        trainer.restoreState(checkpoint.state);
        metrics.load(checkpoint.meta.metrics);
      } catch (e) {
        // A resume that fails after all leaves nothing behind: the new trainer's tensors go.
        trainer.dispose();
        this.events.state(runId, 'idle', null, 0, config.training.targetSteps);
        throw e;
      }
    }
    const now = this.deps.now();
    this.run = {
      runId,
      config,
      trainer,
      metrics,
      targetStep: config.training.targetSteps,
      status: 'running',
      lastGood: new Uint8Array(0),
      lastSaveMs: now,
      lastLogMs: -Infinity,
      lastPreviewMs: now,
      request: null,
      atBoundary: [],
      loop: null,
    };
    const run = this.run;
    run.lastGood = encodeCheckpoint(this.checkpointMeta(run), await trainer.captureState());
    if (this.run !== run) return; // reset while the first state was being read
    this.trained.show(run.runId, run.trainer);
    if (checkpoint) this.post({ type: 'trainHistory', runId, points: metrics.points() });
    const reason: TrainReason = checkpoint
      ? {
          code: 'resumed',
          message: `Resumed from step ${trainer.step} (saved on ${checkpoint.meta.backend}).`,
        }
      : { code: 'started', message: `Training on ${this.deps.backend()}.` };
    this.startLoop(run, reason);
  }

  private startLoop(run: Run, reason: TrainReason): void {
    run.status = 'running';
    run.request = null;
    this.events.runState(run, reason);
    run.loop = stepLoop(run, this.loopHost).catch((e) => {
      run.status = 'paused';
      this.events.runState(run, {
        code: 'error',
        message: `Training stopped on an error: ${(e as Error).message ?? String(e)}`,
      });
    });
  }

  /** A lost GPU: rebuild the run from its last checkpoint on the fallback backend and go on. */
  private async recover(run: Run, error: unknown): Promise<boolean> {
    const backend = await this.deps.recoverFromDeviceLoss(error);
    if (backend === null) return false;
    this.events.runState(run, {
      code: 'device-lost',
      message: `The GPU device was lost (${(error as Error).message ?? String(error)}); resuming from the last checkpoint on ${backend}.`,
      advice: 'Close other GPU-heavy tabs; reload the page to try the GPU again.',
    });
    try {
      run.trainer.dispose();
    } catch {
      // The lost device's buffers may already be gone; nothing more to free.
    }
    const loaded = this.datasets.current();
    if (!loaded) throw new Error('the dataset is gone; load it and resume from the last checkpoint');
    const { meta, state } = decodeCheckpoint(run.lastGood);
    run.trainer = new Trainer(run.config, prepareTrainingData(loaded.pair, run.config));
    run.trainer.restoreState(state);
    run.metrics.load(meta.metrics);
    this.trained.show(run.runId, run.trainer);
    return true;
  }

  private async pause(runId: string): Promise<void> {
    const run = this.current(runId, 'pause');
    if (run.status === 'running') run.request = 'pause';
  }

  private async resume(runId: string): Promise<void> {
    const run = this.current(runId, 'resume');
    if (run.status === 'running') {
      run.request = null;
      return;
    }
    if (run.status !== 'paused')
      throw new TrainingCommandError(
        'bad-command',
        `resume: run ${runId} is ${run.status}; only a paused run resumes`,
      );
    await run.loop;
    this.startLoop(run, { code: 'resumed', message: `Resumed at step ${run.trainer.step}.` });
  }

  private async stop(runId: string): Promise<void> {
    const run = this.current(runId, 'stop');
    if (run.status === 'running') {
      run.request = 'stop';
      return;
    }
    if (run.status === 'stopped') return;
    await this.save(run);
    run.status = 'stopped';
    this.events.runState(run, { code: 'user', message: `Stopped at step ${run.trainer.step}.` });
  }

  private async reset(runId: string): Promise<void> {
    const run = this.current(runId, 'reset');
    if (run.status === 'running') {
      run.request = 'stop';
      await run.loop;
    }
    this.disposeRun();
    this.events.state(
      runId,
      'idle',
      { code: 'user', message: 'Reset: the run was freed; its checkpoints are kept.' },
      0,
      0,
    );
  }

  private async setTargetStep(runId: string, targetStep: number): Promise<void> {
    const run = this.current(runId, 'setTargetStep');
    if (!Number.isSafeInteger(targetStep) || targetStep < 1)
      throw new TrainingCommandError(
        'bad-command',
        `setTargetStep: targetStep ${targetStep} must be an integer ≥ 1`,
      );
    run.targetStep = targetStep;
    this.events.runState(run, null);
  }

  private async previewNow(runId: string): Promise<void> {
    const run = this.current(runId, 'previewNow');
    return this.betweenSteps(run, () => this.events.preview(run));
  }

  /** Runs `work` now, or at the loop's next step boundary while the run is training. */
  private betweenSteps(run: Run, work: () => Promise<void>): Promise<void> {
    if (run.status !== 'running') return work();
    return new Promise<void>((resolve, reject) => run.atBoundary.push(() => work().then(resolve, reject)));
  }

  private current(runId: string, what: string): Run {
    const run = this.run;
    if (!run || run.runId !== runId)
      throw new TrainingCommandError(
        'no-run',
        `${what}: run ${runId} is not the current run${run ? ` (${run.runId} is)` : ' (none is active)'}`,
      );
    return run;
  }

  /** Autosaves; a full storage is reported and training goes on from the in-memory state. */
  private async save(run: Run): Promise<void> {
    const bytes = encodeCheckpoint(this.checkpointMeta(run), await run.trainer.captureState());
    let checkpoint;
    try {
      checkpoint = await this.deps.store.save(
        {
          runId: run.runId,
          step: run.trainer.step,
          savedAt: this.deps.date(),
          backend: this.deps.backend(),
          config: run.config,
        },
        bytes,
      );
    } catch (e) {
      if (!(e instanceof StorageFullError)) throw e;
      this.post({
        type: 'error',
        runId: run.runId,
        code: 'storage-full',
        message: `autosave failed: ${e.message}; training continues; export the run to keep it (Import run on the Weights tab brings it back)`,
      });
    }
    run.lastGood = bytes;
    run.lastSaveMs = this.deps.now();
    if (checkpoint) this.post({ type: 'checkpointSaved', runId: run.runId, checkpoint });
  }

  private checkpointMeta(run: Run) {
    return {
      runId: run.runId,
      step: run.trainer.step,
      savedAt: this.deps.date(),
      backend: this.deps.backend(),
      config: run.config,
      metrics: run.metrics.state(),
    };
  }

  private async loadCheckpoint(id: string): Promise<Uint8Array> {
    try {
      return await this.deps.store.load(id);
    } catch (e) {
      throw new TrainingCommandError('checkpoint', `train: ${(e as Error).message}`);
    }
  }

  private async postCheckpoints(): Promise<void> {
    this.post({ type: 'checkpoints', checkpoints: await this.deps.store.list() });
  }

  /** The run's config, metrics and a fresh checkpoint, zipped (see runExport.ts). */
  private async exportRun(requestId: string, runId: string, format: RunExportFormat): Promise<void> {
    const run = this.current(runId, 'exportRun');
    return this.betweenSteps(run, () =>
      format === 'pytorch' ? this.writePytorchExport(requestId, run) : this.writeRunExport(requestId, run),
    );
  }

  /**
   * The run as a diffusers + accelerate project (src/pytorch/project.ts), zipped in one folder:
   * its state now, and the images it trains on (CIFAR-10 stays in the official archive).
   */
  private async writePytorchExport(requestId: string, run: Run): Promise<void> {
    const { runId } = run;
    const folder = `ddpm-pytorch-${runId.slice(0, 8)}-step${run.trainer.step}`;
    const files = pytorchProjectFiles({
      checkpoint: { meta: this.checkpointMeta(run), state: await run.trainer.captureState() },
      dataset: run.config.data.dataset === 'cifar10' ? null : run.trainer.data.dataset,
      templates: PYTORCH_TEMPLATES,
    });
    const bytes = writeZip(new Map([...files].map(([path, data]) => [`${folder}/${path}`, data])))
      .buffer as ArrayBuffer;
    this.post({ type: 'runExported', requestId, fileName: `${folder}.zip`, bytes }, [bytes]);
  }

  /** run.json, metrics.csv and a checkpoint of the run as it is now, zipped and posted. */
  private async writeRunExport(requestId: string, run: Run): Promise<void> {
    const { runId } = run;
    const checkpoint = encodeCheckpoint(this.checkpointMeta(run), await run.trainer.captureState());
    const lossPerT = new LossPerTBuckets(run.trainer.scheduler.config.num_train_timesteps);
    lossPerT.load(run.metrics.state().lossPerT);
    const bytes = runZip({
      config: run.config,
      scheduler: run.trainer.scheduler.config,
      points: run.metrics.points(),
      lossPerT: lossPerT.snapshot(),
      checkpoint,
    }).buffer as ArrayBuffer;
    this.post(
      {
        type: 'runExported',
        requestId,
        fileName: `ddpm-run-${runId.slice(0, 8)}-step${run.trainer.step}.zip`,
        bytes,
      },
      [bytes],
    );
  }

  /** Frees the run; the weights the model slot shows stay alive. */
  private disposeRun(): void {
    const run = this.run;
    if (!run) return;
    this.trained.release(run.runId, run.trainer);
    this.run = null;
  }
}
