/**
 * The worker's current model as the page sees it, and the import/export of model files. A failed
 * import leaves the previous model loaded (the worker guarantees it) and shows why.
 */
import { create } from 'zustand';
import { newRunId } from '../worker/client';
import type { ModelFile, ModelSummary, WorkerEvent } from '../worker/protocol';
import { useLab } from './labStore';
import { useUi } from './uiStore';

export type ImportStatus =
  { kind: 'idle' } | { kind: 'working'; runId: string; name: string } | { kind: 'error'; message: string };

export type ExportStatus =
  | { kind: 'idle' }
  | { kind: 'working'; runId: string; what: string }
  | { kind: 'done'; fileName: string; bytes: number }
  | { kind: 'error'; message: string };

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
  exportPipeline(): void;
  onEvent(event: Extract<WorkerEvent, { type: 'modelLoaded' | 'exportReady' }>): void;
  onError(runId: string, message: string): boolean;
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
    if (!client || files.length === 0 || get().importStatus.kind === 'working') return;
    const runId = newRunId();
    set({ importStatus: { kind: 'working', runId, name: describeFiles(files) } });
    try {
      const payload: ModelFile[] = await Promise.all(
        files.map(async (f) => ({ name: f.webkitRelativePath || f.name, bytes: await f.arrayBuffer() })),
      );
      client.send(
        { type: 'importModel', runId, files: payload },
        payload.map((f) => f.bytes),
      );
    } catch (err) {
      set({
        importStatus: {
          kind: 'error',
          message: `Could not read ${describeFiles(files)}: ${err instanceof Error ? err.message : String(err)}`,
        },
      });
    }
  },
  exportPipeline() {
    const client = useLab.getState().client;
    if (!client || get().exportStatus.kind === 'working') return;
    const runId = newRunId();
    set({ exportStatus: { kind: 'working', runId, what: 'the diffusers pipeline' } });
    client.send({ type: 'exportPipeline', runId });
  },
  onEvent(event) {
    switch (event.type) {
      case 'modelLoaded': {
        const s = get().importStatus;
        const ours = s.kind === 'working' && s.runId === event.runId;
        set({ model: event.model, ...(ours ? { importStatus: { kind: 'idle' } } : {}) });
        // An imported model is there to be sampled: go straight to sampling and the timeline.
        if (ours) useUi.getState().setTab('sample');
        return;
      }
      case 'exportReady': {
        const s = get().exportStatus;
        if (s.kind !== 'working' || s.runId !== event.runId) return;
        const bytes = new Uint8Array(event.bytes);
        set({
          exportStatus: { kind: 'done', fileName: event.fileName, bytes: bytes.length },
          lastExport: { fileName: event.fileName, bytes },
        });
        return;
      }
    }
  },
  onError(runId, message) {
    const i = get().importStatus;
    if (i.kind === 'working' && i.runId === runId) {
      set({ importStatus: { kind: 'error', message } });
      return true;
    }
    const e = get().exportStatus;
    if (e.kind === 'working' && e.runId === runId) {
      set({ exportStatus: { kind: 'error', message } });
      return true;
    }
    return false;
  },
}));
