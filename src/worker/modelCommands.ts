/**
 * The worker's model commands: sample from the current model (streaming progress and frames),
 * cancel, import a model from user files, export the current one as a diffusers pipeline zip.
 * Free of any Worker API, like the engine that delegates to it.
 */
import {
  SchedulerConfigError,
  parseSchedulerConfig,
  toSchedulerConfigJson,
  type SchedulerConfigFile,
} from '../diffusion';
import { readModelBundle, writePipelineZip } from '../io/pipeline';
import { unetConfigToJson, parseUNetConfig } from '../model/config';
import { checkWeightsForConfig } from '../model/limits';
import type { StateDict } from '../model/stateDict';
import { UNet } from '../model/unet';
import { SampleCancelledError, sample } from '../sampling/runner';
import { SampleOptionsError, type FrameFormat, type SampleOptions } from '../sampling/options';
import type { ImageShape, SampleFrame } from '../sampling/frames';
import { weightChoices, type ModelSlot, type SlotEntry } from './modelSlot';
import type { ErrorCode, FrameMessage, ModelFile, ModelSummary, Post, WeightChoice } from './protocol';


/** The UI needs ~10–20 progress updates a second, not one per step. */
const PROGRESS_INTERVAL_MS = 50;
/** Frames go out when this much has piled up or this long has passed, whichever first. */
const FRAME_CHUNK_BYTES = 4 * 2 ** 20;
const FRAME_CHUNK_MS = 200;

/** A failure with the error code the UI should see. */
class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The diffusers-facing summary of a slot entry; the trainer posts it too when it sets the slot. */
export function modelSummary(entry: SlotEntry, warnings: string[] = []): ModelSummary {
  const c = entry.model.config;
  const o = entry.origin;
  return {
    origin: o.kind,
    source: o.kind === 'trained' ? [o.runId] : [...o.files],
    config: {
      sample_size: c.sample_size,
      in_channels: c.in_channels,
      out_channels: c.out_channels,
      block_out_channels: [...c.block_out_channels],
      layers_per_block: c.layers_per_block,
      down_block_types: [...c.down_block_types],
      up_block_types: [...c.up_block_types],
    },
    parameterCount: entry.model.parameterCount(),
    diffusersCompatible: entry.model.diffusersCompatible,
    scheduler: entry.scheduler ? { kind: entry.scheduler.kind, config: { ...entry.scheduler.config } } : null,
    weights: weightChoices(entry),
    warnings,
  };
}

/** Handles the model commands for one engine; at most one sampling run at a time. */
export class ModelCommands {
  private active: { requestId: string; signal: { aborted: boolean } } | null = null;

  constructor(
    private readonly post: Post,
    readonly slot: ModelSlot,
  ) {}

  /** Runs a command, turning any failure into one `error` event for its run. */
  async run(requestId: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      this.post({ type: 'error', requestId, code: codeOf(e), message: (e as Error).message ?? String(e) });
    }
  }

  /** Stops the active sampling run with this id; returns whether there was one. */
  cancel(requestId: string): boolean {
    if (this.active?.requestId !== requestId) return false;
    this.active.signal.aborted = true;
    return true;
  }

  /** Samples with the current model's `weights` (default: its EMA where it has one). */
  async sample(requestId: string, options: SampleOptions, weights?: WeightChoice): Promise<void> {
    const entry = this.slot.current();
    if (!entry)
      throw new CommandError(
        'no-model',
        'sample: no model yet; train one or import a diffusers pipeline first',
      );
    const model = chooseWeights(entry, weights);
    if (this.active) {
      throw new CommandError(
        'busy',
        `sample: request ${this.active.requestId} is still sampling; cancel it or wait for sampleDone`,
      );
    }
    const signal = { aborted: false };
    this.active = { requestId, signal };
    try {
      await this.sampleWith(requestId, model, entry, options, signal);
    } finally {
      this.active = null;
    }
  }

  async importModel(requestId: string, files: ModelFile[]): Promise<void> {
    if (this.active) {
      throw new CommandError(
        'busy',
        `importModel: request ${this.active.requestId} is sampling; cancel it before loading another model`,
      );
    }
    if (
      !Array.isArray(files) ||
      files.some((f) => typeof f?.name !== 'string' || !(f.bytes instanceof ArrayBuffer))
    ) {
      throw new CommandError(
        'bad-command',
        'importModel: files must be a list of {name: string, bytes: ArrayBuffer}',
      );
    }
    const { entry, warnings } = loadEntry(files);
    const previous = this.slot.set(entry);
    if (previous?.origin.kind === 'imported') previous.model.dispose();
    this.post({ type: 'modelLoaded', requestId, model: modelSummary(entry, warnings) });
  }

  async exportPipeline(requestId: string): Promise<void> {
    const entry = this.slot.current();
    if (!entry)
      throw new CommandError(
        'no-model',
        'exportPipeline: no model yet; train one or import a pipeline first',
      );
    const { model } = entry;
    if (!model.diffusersCompatible) {
      throw new CommandError(
        'export-refused',
        `exportPipeline: this model has the lab-only BatchNorm after conv_in (lab_norm_after_conv_in = "${model.config.lab_norm_after_conv_in}"), which diffusers' UNet2DModel has no place for; it cannot be written as a diffusers pipeline`,
      );
    }
    const scheduler = entry.scheduler ?? { kind: 'ddpm', config: {}, extras: {} };
    const bytes = writePipelineZip({
      unetConfig: unetConfigToJson(model.config),
      schedulerConfig: toSchedulerConfigJson(scheduler.kind, scheduler.config, scheduler.extras),
      tensors: await model.getStateDict(),
      metadata: { producer: 'diffusion-lab' },
    });
    const buffer = bytes.buffer as ArrayBuffer;
    this.post({ type: 'exportReady', requestId, fileName: exportName(entry), bytes: buffer }, [buffer]);
  }

  private async sampleWith(
    requestId: string,
    model: UNet,
    entry: SlotEntry,
    options: SampleOptions,
    signal: { aborted: boolean },
  ) {
    let header: { shape: ImageShape; format: FrameFormat; frameStride: number } | null = null;
    let pending: FrameMessage[] = [];
    let pendingBytes = 0;
    let lastFlush = performance.now();
    let lastProgress = -Infinity;
    const flush = () => {
      if (pending.length === 0 || !header) return;
      const transfer = pending.flatMap((f) => [f.xt, f.x0, f.eps]);
      this.post({ type: 'sampleFrames', requestId, ...header, frames: pending }, transfer);
      pending = [];
      pendingBytes = 0;
      lastFlush = performance.now();
    };
    const result = await sample(model, entry.scheduler?.config ?? {}, options, {
      signal,
      onStart: (plan) => {
        header = { shape: plan.shape, format: plan.frameFormat, frameStride: plan.frameStride };
      },
      onProgress: (done, total) => {
        const now = performance.now();
        if (done < total && now - lastProgress < PROGRESS_INTERVAL_MS) return;
        lastProgress = now;
        this.post({ type: 'sampleProgress', requestId, done, total });
      },
      onFrame: (frame) => {
        pending.push(toMessage(frame));
        pendingBytes += 3 * frame.xt.byteLength;
        if (pendingBytes >= FRAME_CHUNK_BYTES || performance.now() - lastFlush >= FRAME_CHUNK_MS) flush();
      },
    });
    flush();
    const images = result.images.buffer as ArrayBuffer;
    const { shape, timesteps, frameStride, frameCount, timing } = result;
    this.post({ type: 'sampleDone', requestId, images, shape, timesteps, frameStride, frameCount, timing }, [
      images,
    ]);
  }
}

/** The weights to sample: the entry's default, or the set asked for; throws naming the sets there are. */
function chooseWeights(entry: SlotEntry, weights: WeightChoice | undefined): UNet {
  if (weights === undefined) return entry.model;
  if (weights !== 'ema' && weights !== 'raw')
    throw new CommandError(
      'bad-command',
      `sample: weights ${JSON.stringify(weights)} is not allowed; use "ema" or "raw"`,
    );
  if (!weightChoices(entry).includes(weights)) {
    const why =
      entry.origin.kind === 'imported'
        ? 'an imported pipeline has one set of weights; leave weights unset'
        : `this run has no EMA (training.useEma is off), only "raw"`;
    throw new CommandError(
      'bad-command',
      `sample: weights ${JSON.stringify(weights)} is not available: ${why}`,
    );
  }
  return weights === 'raw' && entry.raw ? entry.raw : entry.model;
}

function toMessage(f: SampleFrame): FrameMessage {
  const buf = (d: SampleFrame['xt']) => d.buffer as ArrayBuffer;
  return {
    step: f.step,
    t: f.t,
    prevT: f.prevT,
    alphaBar: f.alphaBar,
    sigma: f.sigma,
    xt: buf(f.xt),
    x0: buf(f.x0),
    eps: buf(f.eps),
  };
}

/**
 * Reads and checks a bundle completely before building anything, so a bad one leaves the current
 * model untouched. Throws one CommandError('bad-model') naming what is wrong.
 */
function loadEntry(files: ModelFile[]): { entry: SlotEntry; warnings: string[] } {
  let model: UNet | null = null;
  try {
    const bundle = readModelBundle(new Map(files.map((f) => [f.name, new Uint8Array(f.bytes)])));
    const config = parseUNetConfig(bundle.unetConfig);
    const scheduler: SchedulerConfigFile | null = bundle.schedulerConfig
      ? parseSchedulerConfig(bundle.schedulerConfig)
      : null;
    const dict: StateDict = bundle.tensors;
    const report = checkWeightsForConfig(config, dict);
    const warnings = [...bundle.warnings];
    if (!scheduler) warnings.push("sampling uses the paper's schedule (linear betas 1e-4..0.02, T = 1000)");
    if (report.legacyRenamed > 0) {
      warnings.push(
        `${report.legacyRenamed} attention tensors have pre-0.14 diffusers names (query, key, value, proj_attn) and were renamed`,
      );
    }
    model = new UNet(config, { seed: 0 });
    model.loadStateDict(dict);
    return {
      entry: { model, scheduler, origin: { kind: 'imported', files: files.map((f) => f.name) } },
      warnings,
    };
  } catch (e) {
    model?.dispose();
    throw new CommandError('bad-model', `importModel: ${(e as Error).message}`);
  }
}

function exportName(entry: SlotEntry): string {
  const o = entry.origin;
  const base =
    o.kind === 'trained' ? `ddpm-${o.runId}` : (o.files[0] ?? 'model').split('/')[0].replace(/\.[^.]*$/, '');
  return `${base.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64) || 'model'}-pipeline.zip`;
}

function codeOf(e: unknown): ErrorCode {
  if (e instanceof CommandError) return e.code;
  if (e instanceof SampleCancelledError) return 'cancelled';
  if (e instanceof SampleOptionsError || e instanceof SchedulerConfigError) return 'bad-command';
  return 'internal';
}
