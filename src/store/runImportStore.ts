/**
 * Bringing an "Export run" zip back: the worker stores its checkpoint as the run's latest, and the
 * page then stands as after a reload: the run's config applied (the URL hash follows), its
 * dataset loading when it ships with the lab, and "Resume from step N" on the Train tab.
 */
import { create } from 'zustand';
import { FILE_DATASETS } from '../config/runConfig';
import type { BuiltinId } from '../data/builtins';
import { failedJob, type Job } from '../worker/client';
import type { CheckpointInfo } from '../worker/protocol';
import { useConfig } from './configStore';
import { useDataset } from './datasetStore';
import { useLab } from './labStore';
import { useTrain } from './trainStore';
import type { PickedFile } from './weightsStore';

/** The import's job: the zip being read, then the run stored (and what is left before resuming). */
export type RunImport = Job<
  { name: string },
  /** `dataset`: what the user must still load before resuming, in words, or undefined. */
  { name: string; checkpoint: CheckpointInfo; dataset: string | undefined }
>;

interface RunImportState {
  status: RunImport;
  importRun(file: PickedFile): Promise<void>;
}

/** What still has to happen before the imported run can resume, in words, or undefined. */
function datasetStep(config: CheckpointInfo['config']): string | undefined {
  const id = config.data.dataset;
  if (FILE_DATASETS.includes(id))
    return `The run trains on "${id}": drop its files on the Data tab before resuming.`;
  if (useDataset.getState().active?.id !== id) void useDataset.getState().loadBuiltin(id as BuiltinId);
  return undefined;
}

export const useRunImport = create<RunImportState>((set, get) => ({
  status: { kind: 'idle' },
  async importRun(file) {
    const client = useLab.getState().client;
    if (!client || get().status.kind === 'running') return;
    const { name } = file;
    set({ status: { kind: 'running', name } });
    let bytes: ArrayBuffer;
    try {
      bytes = await file.arrayBuffer();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      set({ status: { kind: 'failed', message: `Could not read ${name}: ${why}` } });
      return;
    }
    try {
      // A full storage fails this request (the import panel says so), not the autosave banner.
      const { checkpoint } = await client.request({ type: 'importRun', bytes }, { transfer: [bytes] });
      useConfig.getState().replace(checkpoint.config);
      // A stopped run gives way, as a reload would: the page offers the imported run's resume.
      if (useTrain.getState().status === 'stopped')
        useTrain.setState({ runId: undefined, status: 'idle', reason: null, error: undefined });
      set({ status: { kind: 'done', name, checkpoint, dataset: datasetStep(checkpoint.config) } });
    } catch (e) {
      set({ status: failedJob(e) });
    }
  },
}));
