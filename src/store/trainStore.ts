/**
 * The training run as the page controls it: its status and why it last changed, the preview
 * grid, the saved checkpoints (a reload offers the newest), and the run export. Metrics go to
 * `metricsStore`, where the charts read them.
 */
import { create } from 'zustand';
import type { RunConfig } from '../config';
import { newRunId } from '../worker/client';
import type {
  CheckpointInfo,
  RunExportFormat,
  TrainingCommand,
  TrainingEvent,
  TrainReason,
  TrainStatus,
} from '../worker/protocol';
import { useConfig } from './configStore';
import type { ImageBatch } from './imageBatch';
import { useLab } from './labStore';
import { useMetrics } from './metricsStore';

type TrainEvent = Extract<
  TrainingEvent,
  {
    type:
      | 'trainState'
      | 'trainProgress'
      | 'trainHistory'
      | 'trainPreview'
      | 'checkpointSaved'
      | 'checkpoints'
      | 'runExported';
  }
>;

export type RunExport =
  | { kind: 'idle' }
  | { kind: 'working'; runId: string; format: RunExportFormat }
  | { kind: 'done'; fileName: string; bytes: Uint8Array }
  | { kind: 'error'; message: string };

interface TrainState {
  runId: string | undefined;
  /** The config the current run trains with (the Clinic's runs list and Twin run read it). */
  config: RunConfig | undefined;
  status: TrainStatus;
  reason: TrainReason | null;
  /** A command failed for the run (shown with the controls). */
  error: string | undefined;
  preview: { step: number; usedEma: boolean; batch: ImageBatch } | undefined;
  checkpoints: CheckpointInfo[];
  runExport: RunExport;
  train(config: RunConfig): void;
  pause(): void;
  resume(): void;
  stop(): void;
  reset(): void;
  setTargetStep(step: number): void;
  /** Continues a saved run exactly where it was saved (after a reload). */
  resumeFrom(checkpoint: CheckpointInfo): void;
  listCheckpoints(): void;
  /** Asks the worker for the run zip (`run`, the default) or the PyTorch project zip. */
  exportRun(format?: RunExportFormat): void;
  onEvent(event: TrainEvent): void;
  onError(runId: string, message: string): boolean;
}

function send(cmd: TrainingCommand): void {
  useLab.getState().client?.send(cmd);
}

/** The newest checkpoint, which a reload offers to resume. */
export function latestCheckpoint(list: readonly CheckpointInfo[]): CheckpointInfo | undefined {
  return list.reduce<CheckpointInfo | undefined>(
    (best, c) => (!best || c.savedAt > best.savedAt ? c : best),
    undefined,
  );
}

export const useTrain = create<TrainState>((set, get) => {
  const command = (type: 'pause' | 'resume' | 'stop' | 'reset') => {
    const runId = get().runId;
    if (runId) send({ type, runId });
  };
  return {
    runId: undefined,
    config: undefined,
    status: 'idle',
    reason: null,
    error: undefined,
    preview: undefined,
    checkpoints: [],
    runExport: { kind: 'idle' },
    train(config) {
      const runId = newRunId();
      useMetrics.getState().clear();
      set({ runId, config, status: 'starting', reason: null, error: undefined, preview: undefined });
      send({ type: 'train', runId, config });
    },
    pause: () => command('pause'),
    resume: () => command('resume'),
    stop: () => command('stop'),
    reset() {
      command('reset');
      useMetrics.getState().clear();
      set({ runId: undefined, status: 'idle', reason: null, error: undefined, preview: undefined });
    },
    setTargetStep(step) {
      const runId = get().runId;
      if (runId) send({ type: 'setTargetStep', runId, targetStep: step });
    },
    resumeFrom(checkpoint) {
      useConfig.getState().replace(checkpoint.config);
      useMetrics.getState().clear();
      set({
        runId: checkpoint.runId,
        config: checkpoint.config,
        status: 'starting',
        reason: null,
        error: undefined,
        preview: undefined,
      });
      send({ type: 'train', runId: checkpoint.runId, config: checkpoint.config, resume: checkpoint.id });
    },
    listCheckpoints() {
      send({ type: 'listCheckpoints' });
    },
    exportRun(format = 'run') {
      const runId = get().runId;
      if (!runId || get().runExport.kind === 'working') return;
      set({ runExport: { kind: 'working', runId, format } });
      send({ type: 'exportRun', runId, format });
    },
    onEvent(event) {
      switch (event.type) {
        case 'checkpoints':
          set({ checkpoints: event.checkpoints });
          return;
        case 'checkpointSaved':
          set({
            checkpoints: [...get().checkpoints.filter((c) => c.id !== event.checkpoint.id), event.checkpoint],
          });
          return;
        case 'runExported': {
          const e = get().runExport;
          if (e.kind === 'working' && e.runId === event.runId)
            set({
              runExport: { kind: 'done', fileName: event.fileName, bytes: new Uint8Array(event.bytes) },
            });
          return;
        }
      }
      if (event.runId !== get().runId) return;
      switch (event.type) {
        case 'trainState':
          set({ status: event.status, reason: event.reason });
          if (event.status === 'paused' || event.status === 'stopped') useMetrics.getState().flush();
          return;
        case 'trainProgress':
          useMetrics.getState().push(event.metrics);
          return;
        case 'trainHistory':
          useMetrics.getState().restore(event.points);
          return;
        case 'trainPreview': {
          const g = event.grid;
          set({
            preview: {
              step: event.step,
              usedEma: event.usedEma,
              batch: {
                data: g.pixels,
                count: g.count,
                height: g.height,
                width: g.width,
                channels: g.channels,
              },
            },
          });
          return;
        }
      }
    },
    onError(runId, message) {
      const e = get().runExport;
      if (e.kind === 'working' && e.runId === runId) {
        set({ runExport: { kind: 'error', message } });
        return true;
      }
      if (runId !== get().runId) return false;
      // A run that failed to start never ran: the controls go back to Train (a later error of a
      // running run leaves its state to the worker's trainState events).
      if (get().status === 'starting') set({ error: message, status: 'idle', runId: undefined });
      else set({ error: message });
      return true;
    },
  };
});
