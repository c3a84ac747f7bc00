/**
 * The worker's `score` command: N samples from the current model against N held-out images of the
 * loaded dataset, through the classifier cached for that dataset (IndexedDB in the browser) or
 * trained here first. One score at a time; `cancel` stops it at the next step. Free of any Worker
 * API, like the engine that delegates to it.
 */
import { SchedulerConfigError } from '../diffusion';
import type { LoadedDataset } from './datasetCommands';
import type { ClassifierCache } from '../quality/classifierCache';
import { QualityError } from '../quality/errors';
import { sampleMany } from '../quality/sampleMany';
import { fitToModel, scoreAgainstDataset } from '../quality/scoreDataset';
import { FCD_LABEL, type ScoreOptions } from '../quality/scoreTypes';
import { DEFAULT_RECIPE, type ClassifierRecipe } from '../quality/trainClassifier';
import { SampleOptionsError } from '../sampling/options';
import { SampleCancelledError } from '../sampling/runner';
import type { ModelSlot } from './modelSlot';
import type { ErrorCode, Post } from './protocol';

/** The dataset the worker has loaded, as the score needs it; `id` names it in the classifier cache. */

/** The UI needs ~10–20 progress updates a second, not one per step. */
const PROGRESS_INTERVAL_MS = 50;

/** A refusal with the error code the UI should see. */
class ScoreError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Handles `score` for one engine. */
export class ScoreCommands {
  private active: { requestId: string; signal: { aborted: boolean } } | null = null;

  /** `recipe` trains the classifier on a cache miss (tests pass a short one). */
  constructor(
    private readonly post: Post,
    private readonly models: ModelSlot,
    private readonly dataset: () => LoadedDataset | null,
    private readonly cache: ClassifierCache,
    private readonly recipe: ClassifierRecipe = DEFAULT_RECIPE,
  ) {}

  /** Scores the current model; any failure becomes one `error` event for the run. */
  async run(requestId: string, options: ScoreOptions): Promise<void> {
    try {
      await this.score(requestId, options);
    } catch (e) {
      this.post({
        type: 'error',
        requestId,
        code: codeOf(e),
        message: `score: ${(e as Error).message ?? String(e)}`,
      });
    }
  }

  /** Stops the active score with this id; returns whether there was one. */
  cancel(requestId: string): boolean {
    if (this.active?.requestId !== requestId) return false;
    this.active.signal.aborted = true;
    return true;
  }

  private async score(requestId: string, options: ScoreOptions): Promise<void> {
    const started = performance.now();
    if (
      typeof options !== 'object' ||
      options === null ||
      typeof options.sampling !== 'object' ||
      options.sampling === null
    )
      throw new ScoreError(
        'bad-command',
        'options must be {num, seed, sampling: {sampler, numInferenceSteps, …}}',
      );
    const entry = this.models.current();
    if (!entry)
      throw new ScoreError('no-model', 'no model yet; train one or import a diffusers pipeline first');
    const dataset = this.dataset();
    if (!dataset)
      throw new ScoreError(
        'no-dataset',
        'no dataset loaded; the score compares samples with held-out images of the training data',
      );
    if (this.active)
      throw new ScoreError(
        'busy',
        `request ${this.active.requestId} is still scoring; cancel it or wait for scoreDone`,
      );
    const signal = { aborted: false };
    this.active = { requestId, signal };
    try {
      let last = -Infinity;
      const progress = (phase: 'classifier' | 'sampling') => (done: number, total: number) => {
        const now = performance.now();
        if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
        last = now;
        this.post({ type: 'scoreProgress', requestId, phase, done, total });
      };
      const result = await scoreAgainstDataset({
        datasetId: dataset.id,
        pair: fitToModel(dataset.pair, entry.model.config),
        n: options.num,
        seed: options.seed,
        cache: this.cache,
        recipe: this.recipe,
        hooks: { signal, progressEvery: 10, onProgress: progress('classifier') },
        samples: () =>
          sampleMany(
            entry.model,
            entry.scheduler?.config ?? {},
            options.sampling,
            options.num,
            options.seed,
            {
              signal,
              onProgress: progress('sampling'),
            },
          ),
      });
      const { classifierCached, warnings, ...score } = result;
      this.post({
        type: 'scoreDone',
        requestId,
        score,
        label: FCD_LABEL,
        classifierCached,
        warnings,
        totalMs: performance.now() - started,
      });
    } finally {
      this.active = null;
    }
  }
}

function codeOf(e: unknown): ErrorCode {
  if (e instanceof ScoreError) return e.code;
  if (e instanceof SampleCancelledError || (e instanceof DOMException && e.name === 'AbortError'))
    return 'cancelled';
  if (e instanceof QualityError || e instanceof SampleOptionsError || e instanceof SchedulerConfigError)
    return 'bad-command';
  return 'internal';
}
