/**
 * The worker's training run: builds the trainer from a run config and the loaded dataset, runs
 * its steps in an async loop that yields between steps (so pause, stop and every other command
 * are handled promptly), streams throttled metrics and preview grids, autosaves checkpoints, and
 * guards against non-finite losses and a lost GPU. Free of any Worker API: `engine.test.ts`-style
 * tests drive it with plain commands.
 */
import { toSchedulerConfigJson } from '../diffusion';
import { parseRunConfig, RunConfigError } from '../config/validate';
import type { RunConfig } from '../config/runConfig';
import { writeZip } from '../io/zip';
import { TrainingDataError, prepareTrainingData } from '../training/batch';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../training/checkpoint';
import { StorageFullError, type CheckpointStore } from '../training/checkpointStore';
import { previewGrid } from '../training/preview';
import { RunMetrics } from '../training/runMetrics';
import { Trainer } from '../training/trainer';
import { modelSummary } from './modelCommands';
import type { ModelSlot, SlotEntry } from './modelSlot';
import type { DatasetCommands } from './datasetCommands';
import type { ErrorCode, TrainReason, TrainStatus, TrainingCommand, WorkerEvent } from './protocol';

type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/** What the controller needs from its surroundings (the worker passes the real ones, tests fakes). */
export interface TrainingDeps {
  store: CheckpointStore;
  /** The tfjs backend in use. */
  backend(): string;
  /** A monotonic clock in ms (performance.now). */
  now(): number;
  /** Wall-clock ms for checkpoint dates (Date.now). */
  date(): number;
  /** Lets queued messages run (a macrotask); the loop awaits it after every step. */
  yieldToEvents(): Promise<void>;
  /**
   * Called when a step throws: if the error means the GPU device was lost, switch to the fallback
   * backend and return its name; otherwise return null (the error is reported as is).
   */
  recoverFromDeviceLoss(error: unknown): Promise<string | null>;
  tf: { memory(): { numTensors: number; numBytes: number } };
}

/** A failure with the error code the UI should see. */
class TrainingCommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The current run. */
interface Run {
  runId: string;
  config: RunConfig;
  trainer: Trainer;
  metrics: RunMetrics;
  targetStep: number;
  status: TrainStatus;
  /** The last checkpoint's bytes: what the guards restore. */
  lastGood: Uint8Array;
  lastSaveMs: number;
  lastLogMs: number;
  /** What the loop should do after its current step. */
  request: 'pause' | 'stop' | null;
  previewRequested: boolean;
  loop: Promise<void> | null;
}

export class TrainingController {
  private run: Run | null = null;
  /** A finished run's sampling model, kept alive for the model slot after reset. */
  private retained: SlotEntry | null = null;

  constructor(
    private readonly post: Post,
    private readonly slot: ModelSlot,
    private readonly datasets: DatasetCommands,
    private readonly deps: TrainingDeps,
  ) {}

  /** Handles one training command; failures become one `error` event. */
  async handle(cmd: TrainingCommand): Promise<void> {
    const runId = 'runId' in cmd ? cmd.runId : undefined;
    try {
      await this.dispatch(cmd);
    } catch (e) {
      const code: ErrorCode =
        e instanceof TrainingCommandError
          ? e.code
          : e instanceof RunConfigError
            ? 'bad-config'
            : e instanceof CheckpointError
              ? 'checkpoint'
              : 'internal';
      this.post({ type: 'error', runId, code, message: (e as Error).message ?? String(e) });
    }
  }

  /** Resolves when the current run's loop has stopped (tests). */
  async idle(): Promise<void> {
    await this.run?.loop;
  }

  private async dispatch(cmd: TrainingCommand): Promise<void> {
    switch (cmd.type) {
      case 'loadDataset':
        return this.datasets.load(cmd.runId, cmd.source);
      case 'previewDataset':
        return this.datasets.preview(cmd.runId, cmd.seed, cmd.count);
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
        return this.exportRun(cmd.runId);
    }
  }

  private async start(runId: string, input: RunConfig, resume?: string): Promise<void> {
    if (this.run && this.run.status !== 'stopped')
      throw new TrainingCommandError(
        'busy',
        `train: run ${this.run.runId} is ${this.run.status}; stop or reset it before starting another`,
      );
    const config = parseRunConfig(input);
    const loaded = this.datasets.current();
    if (!loaded)
      throw new TrainingCommandError('dataset', 'train: no dataset is loaded; send loadDataset first');
    if (loaded.id !== config.data.dataset)
      throw new TrainingCommandError(
        'dataset',
        `train: the config asks for dataset "${config.data.dataset}" but "${loaded.id}" is loaded; load it first or change data.dataset`,
      );
    let checkpoint: ReturnType<typeof decodeCheckpoint> | null = null;
    if (resume !== undefined) {
      checkpoint = decodeCheckpoint(await this.loadCheckpoint(resume));
      const differs = firstDifference(checkpoint.meta.config, config);
      if (differs !== null)
        throw new TrainingCommandError(
          'checkpoint',
          `train: checkpoint ${resume} was saved with a different config (${differs}); resume with the checkpoint's config`,
        );
    }
    let data;
    try {
      data = prepareTrainingData(loaded.pair, config);
    } catch (e) {
      if (!(e instanceof TrainingDataError)) throw e;
      if (e.code === 'dataset-mismatch') throw new TrainingCommandError('dataset', `train: ${e.message}`);
      const advice = 'Lower the batch size, drop the class filter, or load a larger dataset.';
      this.postState(
        runId,
        'idle',
        { code: 'dataset-too-small', message: e.message, advice },
        0,
        config.training.targetSteps,
      );
      return;
    }
    this.disposeRun();
    this.postState(runId, 'starting', null, checkpoint?.meta.step ?? 0, config.training.targetSteps);
    const trainer = new Trainer(config, data);
    const metrics = new RunMetrics(trainer.scheduler.config.num_train_timesteps);
    if (checkpoint) {
      trainer.restoreState(checkpoint.state);
      metrics.load(checkpoint.meta.metrics);
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
      request: null,
      previewRequested: false,
      loop: null,
    };
    const run = this.run;
    run.lastGood = encodeCheckpoint(this.checkpointMeta(run), await trainer.captureState());
    if (this.run !== run) return; // reset while the first state was being read
    this.setSlot(run);
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
    this.postRunState(run, reason);
    run.loop = this.loop(run).catch((e) => {
      run.status = 'paused';
      this.postRunState(run, {
        code: 'error',
        message: `Training stopped on an error: ${(e as Error).message ?? String(e)}`,
      });
    });
  }

  /** Steps until the target, a request, or a guard; then saves and reports why it stopped. */
  private async loop(run: Run): Promise<void> {
    const { training } = run.config;
    for (;;) {
      if (run.request === 'stop' || run.request === 'pause') {
        const status = run.request === 'stop' ? 'stopped' : 'paused';
        run.request = null;
        await this.save(run);
        run.status = status;
        run.metrics.pause();
        this.postRunState(run, {
          code: 'user',
          message:
            status === 'stopped'
              ? `Stopped at step ${run.trainer.step}.`
              : `Paused at step ${run.trainer.step}.`,
        });
        return;
      }
      if (run.previewRequested) {
        run.previewRequested = false;
        await this.sendPreview(run);
      }
      if (run.trainer.step >= run.targetStep) {
        this.sendProgress(run);
        await this.save(run);
        run.status = 'paused';
        run.metrics.pause();
        this.postRunState(run, {
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
        if (await this.recover(run, e)) continue;
        throw e;
      }
      if ('nonFinite' in report) {
        await this.restoreLastGood(run);
        run.status = 'paused';
        run.metrics.pause();
        this.postRunState(run, {
          code: 'non-finite',
          message: `Step ${report.step + 1} gave a ${Number.isFinite(report.loss) ? 'non-finite gradient norm' : 'non-finite loss'} (loss ${report.loss}, gradient norm ${report.gradNorm}); the last good state (step ${run.trainer.step}) was restored.`,
          advice:
            'Lower the learning rate, turn gradient clipping on (1.0), use more warm-up steps, or use [-1, 1] inputs instead of mean/std.',
        });
        return;
      }
      const now = this.deps.now();
      run.metrics.record(report, now);
      if (now - run.lastLogMs >= training.logEveryMs) this.sendProgress(run);
      if (training.previewEverySteps > 0 && run.trainer.step % training.previewEverySteps === 0)
        await this.sendPreview(run);
      if (training.checkpointEverySec > 0 && now - run.lastSaveMs >= training.checkpointEverySec * 1000)
        await this.save(run);
      await this.deps.yieldToEvents();
    }
  }

  /** A lost GPU: rebuild the run from its last checkpoint on the fallback backend and go on. */
  private async recover(run: Run, error: unknown): Promise<boolean> {
    const backend = await this.deps.recoverFromDeviceLoss(error);
    if (backend === null) return false;
    this.postRunState(run, {
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
    this.setSlot(run);
    return true;
  }

  private async restoreLastGood(run: Run): Promise<void> {
    const { meta, state } = decodeCheckpoint(run.lastGood);
    run.trainer.restoreState(state);
    run.metrics.load(meta.metrics);
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
    this.postRunState(run, { code: 'user', message: `Stopped at step ${run.trainer.step}.` });
  }

  private async reset(runId: string): Promise<void> {
    const run = this.current(runId, 'reset');
    if (run.status === 'running') {
      run.request = 'stop';
      await run.loop;
    }
    this.disposeRun();
    this.postState(
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
    this.postRunState(run, null);
  }

  private async previewNow(runId: string): Promise<void> {
    const run = this.current(runId, 'previewNow');
    if (run.status === 'running') run.previewRequested = true;
    else await this.sendPreview(run);
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
        message: `autosave failed: ${e.message}; training continues; export the run to keep it`,
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

  private sendProgress(run: Run): void {
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

  private async sendPreview(run: Run): Promise<void> {
    const { grid, usedEma } = await previewGrid(run.trainer);
    this.post({ type: 'trainPreview', runId: run.runId, step: run.trainer.step, usedEma, grid }, [
      grid.pixels.buffer,
    ]);
  }

  private async postCheckpoints(): Promise<void> {
    this.post({ type: 'checkpoints', checkpoints: await this.deps.store.list() });
  }

  /** run.json, metrics.jsonl and a fresh checkpoint, zipped. */
  private async exportRun(runId: string): Promise<void> {
    const run = this.current(runId, 'exportRun');
    const checkpoint = encodeCheckpoint(this.checkpointMeta(run), await run.trainer.captureState());
    const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
    const jsonl = run.metrics
      .points()
      .map((p) => JSON.stringify(p))
      .join('\n');
    const zip = writeZip(
      new Map([
        ['run.json', json(run.config)],
        ['scheduler_config.json', json(toSchedulerConfigJson('ddpm', run.trainer.scheduler.config, {}))],
        ['metrics.jsonl', new TextEncoder().encode(jsonl === '' ? '' : `${jsonl}\n`)],
        ['checkpoint.safetensors', checkpoint],
      ]),
    );
    const bytes = zip.buffer as ArrayBuffer;
    this.post(
      {
        type: 'runExported',
        runId,
        fileName: `ddpm-run-${runId.slice(0, 8)}-step${run.trainer.step}.zip`,
        bytes,
      },
      [bytes],
    );
  }

  /** Makes the run's sampling weights the worker's current model. */
  private setSlot(run: Run): void {
    const entry: SlotEntry = {
      model: run.trainer.samplingModel(),
      scheduler: { kind: 'ddpm', config: run.trainer.scheduler.config, extras: {} },
      origin: { kind: 'trained', runId: run.runId },
    };
    const previous = this.slot.set(entry);
    if (previous?.origin.kind === 'imported') previous.model.dispose();
    if (this.retained && previous?.model === this.retained.model) {
      this.retained.model.dispose();
      this.retained = null;
    }
    this.post({ type: 'modelLoaded', runId: run.runId, model: modelSummary(entry) });
  }

  /** Frees the run; its sampling model stays alive while the slot still shows it. */
  private disposeRun(): void {
    const run = this.run;
    if (!run) return;
    const shown = this.slot.current();
    const keep =
      shown?.origin.kind === 'trained' && shown.origin.runId === run.runId ? shown.model : undefined;
    run.trainer.dispose(keep);
    if (keep && shown) this.retained = shown;
    this.run = null;
  }

  private postRunState(run: Run, reason: TrainReason | null): void {
    this.postState(run.runId, run.status, reason, run.trainer.step, run.targetStep);
  }

  private postState(
    runId: string,
    status: TrainStatus,
    reason: TrainReason | null,
    step: number,
    targetStep: number,
  ): void {
    this.post({ type: 'trainState', runId, status, reason, step, targetStep, backend: this.deps.backend() });
  }
}

/** The first path where two configs differ, or null. */
function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        path ? `${path}.${key}` : key,
      );
      if (d !== null) return d;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b)
    ? null
    : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}
