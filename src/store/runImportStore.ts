/**
 * Bringing an "Export run" zip back: the worker stores its checkpoint as the run's latest, and the
 * page then stands as after a reload: the run's config applied (the URL hash follows), its
 * dataset loading when it ships with the lab, and "Resume from step N" on the Train tab.
 */
import { create } from 'zustand';
import { FILE_DATASETS } from '../config/runConfig';
import type { BuiltinId } from '../data/builtins';
import { newRunId } from '../worker/client';
import type { CheckpointInfo, TrainingEvent } from '../worker/protocol';
import { useConfig } from './configStore';
import { useDataset } from './datasetStore';
import { useLab } from './labStore';
import { useTrain } from './trainStore';
import type { PickedFile } from './weightsStore';

export type RunImport =
  | { kind: 'idle' }
  | { kind: 'working'; runId: string; name: string }
  /** `dataset`: what the user must still load before resuming, in words, or undefined. */
  | { kind: 'done'; name: string; checkpoint: CheckpointInfo; dataset: string | undefined }
  | { kind: 'error'; message: string };

interface RunImportState {
  status: RunImport;
  importRun(file: PickedFile): Promise<void>;
  onEvent(event: Extract<TrainingEvent, { type: 'runImported' }>): void;
  /** Whether an error event answers the import in flight (a full storage included). */
  owns(runId: string | undefined): boolean;
  onError(runId: string, message: string): boolean;
}

/** What still has to happen before the imported run can resume, in words, or undefined. */
function datasetStep(config: CheckpointInfo['config']): string | undefined {
  const id = config.data.dataset;
  if (FILE_DATASETS.includes(id))
    return `The run trains on "${id}": drop its files on the Data tab before resuming.`;
  if (useDataset.getState().active?.id !== id) useDataset.getState().loadBuiltin(id as BuiltinId);
  return undefined;
}

export const useRunImport = create<RunImportState>((set, get) => ({
  status: { kind: 'idle' },
  async importRun(file) {
    const client = useLab.getState().client;
    if (!client || get().status.kind === 'working') return;
    const runId = newRunId();
    set({ status: { kind: 'working', runId, name: file.name } });
    try {
      const bytes = await file.arrayBuffer();
      client.send({ type: 'importRun', runId, bytes }, [bytes]);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      set({ status: { kind: 'error', message: `Could not read ${file.name}: ${why}` } });
    }
  },
  onEvent(event) {
    const s = get().status;
    if (s.kind !== 'working' || s.runId !== event.runId) return;
    const { checkpoint } = event;
    useConfig.getState().replace(checkpoint.config);
    // A stopped run gives way, as a reload would: the page offers the imported run's resume.
    if (useTrain.getState().status === 'stopped')
      useTrain.setState({ runId: undefined, status: 'idle', reason: null, error: undefined });
    set({ status: { kind: 'done', name: s.name, checkpoint, dataset: datasetStep(checkpoint.config) } });
  },
  owns(runId) {
    const s = get().status;
    return s.kind === 'working' && s.runId === runId;
  },
  onError(runId, message) {
    if (!get().owns(runId)) return false;
    set({ status: { kind: 'error', message } });
    return true;
  },
}));
