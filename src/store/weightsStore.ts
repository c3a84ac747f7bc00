/**
 * The worker's current model as the page sees it, and the import/export of model files. A failed
 * import leaves the previous model loaded (the worker guarantees it) and shows why.
 */
import { create } from 'zustand';
import { failedJob, type Job } from '../worker/client';
import type { ModelFile, ModelSummary } from '../worker/protocol';
import { useLab } from './labStore';
import { useUi } from './uiStore';

/** The import's job: the files being read (a loaded model ends it back in idle). */
export type ImportStatus = Job<{ name: string }>;

/** The pipeline export's job: what is being written, then the file. */
export type ExportStatus = Job<{ what: string }, { fileName: string; bytes: number }>;

/** A file as the import sends it: its path inside a dropped folder, or its name. */
export interface PickedFile {
  name: string;
  /** `File.webkitRelativePath` when a folder was picked. */
  webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

interface WeightsState {
  model: ModelSummary | undefined;
  importStatus: ImportStatus;
  exportStatus: ExportStatus;
  /** Where the last export went; the page saves it as a download. */
  lastExport: { fileName: string; bytes: Uint8Array } | undefined;
  importFiles(files: readonly PickedFile[]): Promise<void>;
  exportPipeline(): Promise<void>;
  /** The worker's current model changed (an import, or a training run's weights). */
  onModel(model: ModelSummary): void;
}

/** How a set of files is named in messages: the folder, the single file, or a count. */
export function describeFiles(files: readonly PickedFile[]): string {
  const folder = files[0]?.webkitRelativePath?.split('/')[0];
  if (folder) return `folder ${folder}`;
  return files.length === 1 ? files[0].name : `${files.length} files`;
}

export const useWeights = create<WeightsState>((set, get) => ({
  model: undefined,
  importStatus: { kind: 'idle' },
  exportStatus: { kind: 'idle' },
  lastExport: undefined,
  async importFiles(files) {
    const client = useLab.getState().client;
    if (!client || files.length === 0 || get().importStatus.kind === 'running') return;
    const name = describeFiles(files);
    set({ importStatus: { kind: 'running', name } });
    let payload: ModelFile[];
    try {
      payload = await Promise.all(
        files.map(async (f) => ({ name: f.webkitRelativePath || f.name, bytes: await f.arrayBuffer() })),
      );
    } catch (err) {
      set({
        importStatus: {
          kind: 'failed',
          message: `Could not read ${name}: ${err instanceof Error ? err.message : String(err)}`,
        },
      });
      return;
    }
    try {
      const { model } = await client.request(
        { type: 'importModel', files: payload },
        { transfer: payload.map((f) => f.bytes) },
      );
      set({ model, importStatus: { kind: 'idle' } });
      // An imported model is there to be sampled: go straight to sampling and the timeline.
      useUi.getState().setTab('sample');
    } catch (e) {
      set({ importStatus: failedJob(e) });
    }
  },
  async exportPipeline() {
    const client = useLab.getState().client;
    if (!client || get().exportStatus.kind === 'running') return;
    set({ exportStatus: { kind: 'running', what: 'the diffusers pipeline' } });
    try {
      const { fileName, bytes: buffer } = await client.request({ type: 'exportPipeline' });
      const bytes = new Uint8Array(buffer);
      set({ exportStatus: { kind: 'done', fileName, bytes: bytes.length }, lastExport: { fileName, bytes } });
    } catch (e) {
      set({ exportStatus: failedJob(e) });
    }
  },
  onModel(model) {
    set({ model });
  },
}));
