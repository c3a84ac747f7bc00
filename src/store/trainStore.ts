/**
 * The training run as the page controls it: its status and why it last changed, the preview
 * grid, the saved checkpoints (a reload offers the newest), and the run export. Metrics go to
 * `metricsStore`, where the charts read them.
 */
import { create } from 'zustand';
import type { RunConfig } from '../config';
import { failedJob, newRunId, type Job } from '../worker/client';
import type {
  CheckpointInfo,
  RunExportFormat,
  TrainingCommand,
  TrainingEvent,
  TrainReason,
  TrainStatus,
} from '../worker/protocol';
import { useConfig } from './configStore';
import type { ImageBatch } from '../io/image';
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
      | 'checkpoints';
  }
>;

/** The run export's job (a run zip or a PyTorch project zip): the zip once written. */
export type RunExport = Job<{ format: RunExportFormat }, { fileName: string; bytes: Uint8Array }>;

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
  exportRun(format?: RunExportFormat): Promise<void>;
  onEvent(event: TrainEvent): void;
  /** An error the worker reports about a training run: shown with the controls when it is this run. */
  onError(runId: string, message: string): void;
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
    async exportRun(format = 'run') {
      const client = useLab.getState().client;
      const runId = get().runId;
      if (!client || !runId || get().runExport.kind === 'running') return;
      set({ runExport: { kind: 'running', format } });
      try {
        const { fileName, bytes } = await client.request({ type: 'exportRun', runId, format });
        set({ runExport: { kind: 'done', fileName, bytes: new Uint8Array(bytes) } });
      } catch (e) {
        set({ runExport: failedJob(e) });
      }
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
          set({ preview: { step: event.step, usedEma: event.usedEma, batch: event.grid } });
          return;
        }
      }
    },
    onError(runId, message) {
      if (runId !== get().runId) return;
      // A run that failed to start never ran: the controls go back to Train (a later error of a
      // running run leaves its state to the worker's trainState events).
      if (get().status === 'starting') set({ error: message, status: 'idle', runId: undefined });
      else set({ error: message });
    },
  };
});
