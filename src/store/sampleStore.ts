/**
 * Sampling from the worker's current model with the run config's `sampling` settings: the run in
 * progress and the final images. Recorded frames go to the timeline store as they arrive.
 */
import { create } from 'zustand';
import { newRunId } from '../worker/client';
import type { WorkerEvent } from '../worker/protocol';
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

export type SampleStatus =
  | { kind: 'idle' }
  | { kind: 'running'; runId: string; done: number; total: number }
  | { kind: 'done'; runId: string; totalMs: number; msPerStep: number }
  | { kind: 'cancelled' }
  | { kind: 'error'; message: string };

type SampleEvent = Extract<WorkerEvent, { type: 'sampleProgress' | 'sampleFrames' | 'sampleDone' }>;

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
  /** The settings of the run in progress. */
  pending: SamplingConfig | undefined;
  /** The last finished batch, with the settings that made it. */
  result: SampleResult | undefined;
  /** DDPM's variance for the next runs, overriding the model's `variance_type`; null keeps the model's. */
  varianceType: SamplingVariance | null;
  setVarianceType(v: SamplingVariance | null): void;
  sample(): void;
  cancel(): void;
  onEvent(event: SampleEvent): void;
  /** An error event of this store's run; returns false when the run is not ours. */
  onError(runId: string, code: string, message: string): boolean;
}

const channels = (c: number): 1 | 3 => (c === 1 ? 1 : 3);

export const useSample = create<SampleState>((set, get) => {
  const current = (runId: string) => {
    const s = get().status;
    return s.kind === 'running' && s.runId === runId ? s : undefined;
  };
  return {
    status: { kind: 'idle' },
    pending: undefined,
    result: undefined,
    varianceType: null,
    setVarianceType(varianceType) {
      set({ varianceType });
    },
    sample() {
      const client = useLab.getState().client;
      if (!client || get().status.kind === 'running') return;
      const runId = newRunId();
      const settings = useConfig.getState().valid.sampling;
      set({ status: { kind: 'running', runId, done: 0, total: settings.steps }, pending: settings });
      useTimeline.getState().clear();
      client.send({
        type: 'sample',
        runId,
        options: toSampleOptions(settings, get().varianceType),
        weights: weightsOffer(useWeights.getState().model, settings.useEma).send,
      });
    },
    cancel() {
      const s = get().status;
      if (s.kind === 'running') useLab.getState().client?.send({ type: 'cancel', runId: s.runId });
    },
    onEvent(event) {
      const run = current(event.runId);
      if (!run) return;
      switch (event.type) {
        case 'sampleProgress':
          set({ status: { ...run, done: event.done, total: event.total } });
          return;
        case 'sampleFrames': {
          const timeline = useTimeline.getState();
          if (timeline.timeline?.runId !== event.runId)
            timeline.start({
              runId: event.runId,
              numImages: event.shape.numImages,
              height: event.shape.height,
              width: event.shape.width,
              channels: channels(event.shape.channels),
              totalSteps: run.total,
              stride: event.frameStride,
            });
          timeline.append(event.runId, {
            frames: event.frames.map(({ step, t, alphaBar, sigma }) => ({ step, t, alphaBar, sigma })),
            xt: event.frames.map((f) => new Uint8Array(f.xt)),
            x0: event.frames.map((f) => new Uint8Array(f.x0)),
            eps: event.frames.map((f) => new Uint8Array(f.eps)),
          });
          return;
        }
        case 'sampleDone': {
          const { shape } = event;
          const images = new Uint8Array(event.images);
          set({
            status: {
              kind: 'done',
              runId: event.runId,
              totalMs: event.timing.totalMs,
              msPerStep: event.timing.msPerStep,
            },
            result: {
              batch: {
                data: images,
                count: shape.numImages,
                height: shape.height,
                width: shape.width,
                channels: channels(shape.channels),
              },
              settings: get().pending ?? useConfig.getState().valid.sampling,
              checksum: crc32(images).toString(16).padStart(8, '0'),
            },
          });
          return;
        }
      }
    },
    onError(runId, code, message) {
      if (!current(runId)) return false;
      set({ status: code === 'cancelled' ? { kind: 'cancelled' } : { kind: 'error', message } });
      return true;
    },
  };
});
