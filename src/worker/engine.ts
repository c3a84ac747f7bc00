/**
 * The worker's command handler, free of any Worker API so it can be tested in Node: it receives
 * commands, does the work through injected dependencies, and emits events through `post`.
 */
import {
  PROTOCOL_VERSION,
  assertNever,
  commandIds,
  type BackendInfo,
  type BackendRequest,
  type Command,
  type Post,
  type GpuFeatureSwitches,
} from './protocol';
import * as tf from '@tensorflow/tfjs';
import { MemoryCheckpointStore } from '../training/checkpointStore';
import { DatasetCommands, type DatasetDeps } from './datasetCommands';
import { ModelCommands } from './modelCommands';
import { ModelSlot } from './modelSlot';
import { TrainingController } from './trainingController';
import type { TrainingDeps } from './trainingRun';
import { MemoryClassifierCache, type ClassifierCache } from '../quality/classifierCache';
import { ScoreCommands } from './scoreCommands';


export interface EngineDeps {
  initBackend(requested: BackendRequest, gpuFeatures?: GpuFeatureSwitches): Promise<BackendInfo>;
  runGpuCheck(size: number, iterations: number): Promise<{ ms: number; gflops: number }>;
  /** Where score classifiers are kept: IndexedDB in the worker; in memory when left out (tests). */
  classifierCache?: ClassifierCache;
  /** Training's surroundings; by default checkpoints stay in memory and a device loss is not recovered. */
  training?: Partial<TrainingDeps>;
  /** How datasets are fetched and images decoded (the worker passes the browser's decoder). */
  datasets?: DatasetDeps;
}

/** Training defaults for Node and tests; the worker overrides the store and device-loss recovery. */
function trainingDeps(overrides: Partial<TrainingDeps> = {}): TrainingDeps {
  return {
    store: new MemoryCheckpointStore(),
    backend: () => tf.getBackend(),
    now: () => performance.now(),
    date: () => Date.now(),
    yieldToEvents: () => new Promise((resolve) => setTimeout(resolve, 0)),
    recoverFromDeviceLoss: async () => null,
    tf,
    ...overrides,
  };
}

/** Largest GPU-check matrix side accepted: 2048² floats are 16 MB per operand. */
const MAX_GPU_CHECK_SIZE = 2048;

export class Engine {
  private backend: BackendInfo | undefined;
  /** The current model: set by imports here and by the training controller. */
  readonly modelSlot = new ModelSlot();
  private readonly models: ModelCommands;
  private readonly training: TrainingController;
  private readonly scores: ScoreCommands;

  constructor(
    private readonly post: Post,
    private readonly deps: EngineDeps,
  ) {
    this.models = new ModelCommands(post, this.modelSlot);
    const datasets = new DatasetCommands(post, deps.datasets);
    this.training = new TrainingController(post, this.modelSlot, datasets, trainingDeps(deps.training));
    const cache = deps.classifierCache ?? new MemoryClassifierCache();
    this.scores = new ScoreCommands(post, this.modelSlot, () => datasets.current(), cache);
  }

  /** Resolves when the training loop, if any, has stopped (tests). */
  trainingIdle(): Promise<void> {
    return this.training.idle();
  }

  async handle(cmd: Command): Promise<void> {
    try {
      await this.dispatch(cmd);
    } catch (e) {
      this.post({
        type: 'error',
        ...commandIds(cmd),
        code: cmd.type === 'init' ? 'backend' : 'internal',
        message: (e as Error).message ?? String(e),
      });
    }
  }

  private async dispatch(cmd: Command): Promise<void> {
    switch (cmd.type) {
      case 'init':
        if (cmd.protocolVersion !== PROTOCOL_VERSION) {
          this.post({
            type: 'error',
            code: 'protocol-version',
            message: `Protocol mismatch: the page speaks version ${cmd.protocolVersion}, the worker version ${PROTOCOL_VERSION}. Reload the page (a cached worker from another build is running).`,
          });
          return;
        }
        this.backend = await this.deps.initBackend(cmd.backend, cmd.gpuFeatures);
        this.post({ type: 'ready', protocolVersion: PROTOCOL_VERSION, backend: this.backend });
        return;
      case 'gpuCheck': {
        if (!this.requireReady(cmd)) return;
        const { size, iterations } = cmd;
        if (
          !Number.isInteger(size) ||
          size < 16 ||
          size > MAX_GPU_CHECK_SIZE ||
          !Number.isInteger(iterations) ||
          iterations < 1 ||
          iterations > 100
        ) {
          this.post({
            type: 'error',
            requestId: cmd.requestId,
            code: 'bad-command',
            message: `gpuCheck: size must be an integer in [16, ${MAX_GPU_CHECK_SIZE}] and iterations in [1, 100]; got size ${size}, iterations ${iterations}.`,
          });
          return;
        }
        const r = await this.deps.runGpuCheck(size, iterations);
        this.post({ type: 'gpuCheckResult', requestId: cmd.requestId, size, iterations, ms: r.ms, gflops: r.gflops });
        return;
      }
      case 'sample':
        if (this.requireReady(cmd))
          await this.models.run(cmd.requestId, () => this.models.sample(cmd.requestId, cmd.options, cmd.weights));
        return;
      case 'cancel':
        if (!this.models.cancel(cmd.requestId)) this.scores.cancel(cmd.requestId);
        return;
      case 'importModel':
        if (this.requireReady(cmd))
          await this.models.run(cmd.requestId, () => this.models.importModel(cmd.requestId, cmd.files));
        return;
      case 'exportPipeline':
        if (this.requireReady(cmd))
          await this.models.run(cmd.requestId, () => this.models.exportPipeline(cmd.requestId));
        return;
      case 'loadDataset':
      case 'previewDataset':
      case 'train':
      case 'pause':
      case 'resume':
      case 'stop':
      case 'reset':
      case 'setTargetStep':
      case 'previewNow':
      case 'exportRun':
      case 'importRun':
        if (this.requireReady(cmd)) await this.training.handle(cmd);
        return;
      case 'listCheckpoints':
      case 'deleteCheckpoint':
        await this.training.handle(cmd);
        return;
      case 'score':
        if (this.requireReady(cmd)) await this.scores.run(cmd.requestId, cmd.options);
        return;
      default:
        assertNever(cmd);
    }
  }

  private requireReady(cmd: Command): boolean {
    if (this.backend) return true;
    this.post({
      type: 'error',
      ...commandIds(cmd),
      code: 'not-initialised',
      message: 'The worker has not been initialised: send init first.',
    });
    return false;
  }
}
