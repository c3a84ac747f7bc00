/**
 * Sampling from the worker's current model with the run config's `sampling` settings: the run in
 * progress and the final images. Recorded frames go to the timeline store as they arrive.
 */
import { create } from 'zustand';
import { failedJob, type Job, type ProgressOf } from '../worker/client';
import { crc32 } from '../io/crc32';
import type { ImageBatch } from '../io/image';
import { batchGrid } from '../io/imageGrid';
import { encodePng } from '../io/png';
import { useLab } from './labStore';
import type { SamplingConfig } from '../config';
import { useConfig } from './configStore';
import type { SamplingVariance } from '../sampling/options';
import { toSampleOptions, weightsOffer } from './sampleSettings';
import { useTimeline } from './timelineStore';
import { useWeights } from './weightsStore';

/** Sampling's job: steps done while it runs, the timing once done. */
export type SampleStatus = Job<{ done: number; total: number }, { totalMs: number; msPerStep: number }>;

/** A finished batch: its images, the settings that made it, and a CRC-32 of the images (8 hex digits) that says "identical" in one page attribute. */
export interface SampleResult {
  batch: ImageBatch;
  settings: SamplingConfig;
  checksum: string;
}

/** The batch as the PNG grid the page shows. */
export function resultPng(result: SampleResult): Uint8Array {
  return encodePng(batchGrid(result.batch));
}

interface SampleState {
  status: SampleStatus;
  /** The last finished batch, with the settings that made it. */
  result: SampleResult | undefined;
  /** DDPM's variance for the next runs, overriding the model's `variance_type`; null keeps the model's. */
  varianceType: SamplingVariance | null;
  setVarianceType(v: SamplingVariance | null): void;
  /** Samples with the config's settings; resolves when the batch is done, cancelled or failed (see `status`). */
  sample(): Promise<void>;
  cancel(): void;
}

const channels = (c: number): 1 | 3 => (c === 1 ? 1 : 3);

/** Recorded frames go to the timeline as they arrive. */
function onFrames(event: ProgressOf<'sample'>, total: number): void {
  if (event.type !== 'sampleFrames') return;
  const timeline = useTimeline.getState();
  if (timeline.timeline?.requestId !== event.requestId)
    timeline.start({
      requestId: event.requestId,
      numImages: event.shape.numImages,
      height: event.shape.height,
      width: event.shape.width,
      channels: channels(event.shape.channels),
      totalSteps: total,
      stride: event.frameStride,
    });
  timeline.append(event.requestId, {
    frames: event.frames.map(({ step, t, alphaBar, sigma }) => ({ step, t, alphaBar, sigma })),
    xt: event.frames.map((f) => new Uint8Array(f.xt)),
    x0: event.frames.map((f) => new Uint8Array(f.x0)),
    eps: event.frames.map((f) => new Uint8Array(f.eps)),
  });
}

export const useSample = create<SampleState>((set, get) => {
  let abort: AbortController | undefined;
  return {
    status: { kind: 'idle' },
    result: undefined,
    varianceType: null,
    setVarianceType(varianceType) {
      set({ varianceType });
    },
    async sample() {
      const client = useLab.getState().client;
      if (!client || get().status.kind === 'running') return;
      const settings = useConfig.getState().valid.sampling;
      const controller = (abort = new AbortController());
      set({ status: { kind: 'running', done: 0, total: settings.steps } });
      useTimeline.getState().clear();
      try {
        const done = await client.request(
          {
            type: 'sample',
            options: toSampleOptions(settings, get().varianceType),
            weights: weightsOffer(useWeights.getState().model, settings.useEma).send,
          },
          {
            signal: controller.signal,
            onProgress: (event) => {
              if (event.type === 'sampleProgress')
                set({ status: { kind: 'running', done: event.done, total: event.total } });
              else onFrames(event, settings.steps);
            },
          },
        );
        const { shape } = done;
        const images = new Uint8Array(done.images);
        set({
          status: { kind: 'done', totalMs: done.timing.totalMs, msPerStep: done.timing.msPerStep },
          result: {
            batch: {
              data: images,
              count: shape.numImages,
              height: shape.height,
              width: shape.width,
              channels: channels(shape.channels),
            },
            settings,
            checksum: crc32(images).toString(16).padStart(8, '0'),
          },
        });
      } catch (e) {
        set({ status: failedJob(e) });
      }
    },
    cancel() {
      abort?.abort();
    },
  };
});
