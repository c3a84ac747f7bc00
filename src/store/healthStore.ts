/**
 * The worker's health as the page sees it: a worker that ended unasked (and the restart that
 * replaces it, reloads the dataset and resumes the run from its last checkpoint), and autosaves
 * that no longer fit in the browser's storage.
 */
import { create, type StoreApi, type UseBoundStore } from 'zustand';
import type { CheckpointInfo } from '../worker/protocol';
import { useDataset } from './datasetStore';
import { useLab } from './labStore';
import { useMetrics } from './metricsStore';
import { latestCheckpoint, useTrain } from './trainStore';

export type WorkerHealth =
  | { kind: 'ok' }
  /** The worker ended; `step` is the last step the page saw, `checkpoint` what a restart resumes. */
  | { kind: 'stopped'; step: number | undefined; checkpoint: CheckpointInfo | undefined }
  | { kind: 'restarting'; phase: string }
  | { kind: 'failed'; message: string };

interface HealthState {
  worker: WorkerHealth;
  /** Why the last autosave failed for lack of storage, until a save succeeds or it is dismissed. */
  storageFull: string | undefined;
  /** The worker ended without being asked to (its lifetime lock was released). */
  onWorkerExit(): void;
  /** A new worker: handshake, the same dataset, and the interrupted run resumed from its last checkpoint. */
  restart(): Promise<void>;
  onStorageFull(message: string): void;
  /** A checkpoint was saved: storage has room again. */
  onSaved(): void;
  dismissStorage(): void;
}

/** How long each restart phase may take: a fresh WebGPU worker compiles shaders before `ready`. */
export const RESTART_PHASE_MS = 120_000;

/** Resolves with the store's state once `done` holds; rejects naming `what` after `ms`. */
function until<S>(
  store: UseBoundStore<StoreApi<S>>,
  done: (s: S) => boolean,
  what: string,
  ms: number,
): Promise<S> {
  return new Promise((resolve, reject) => {
    const check = (s: S) => {
      if (!done(s)) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(s);
      return true;
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`${what} did not happen within ${ms / 1000} s`));
    }, ms);
    const unsubscribe = store.subscribe(check);
    check(store.getState());
  });
}

/** The run's newest checkpoint the page heard of. */
function checkpointOf(runId: string | undefined): CheckpointInfo | undefined {
  if (runId === undefined) return undefined;
  return latestCheckpoint(useTrain.getState().checkpoints.filter((c) => c.runId === runId));
}

export const useHealth = create<HealthState>((set, get) => ({
  worker: { kind: 'ok' },
  storageFull: undefined,
  onWorkerExit() {
    const { runId, status } = useTrain.getState();
    const active = status !== 'idle' ? runId : undefined;
    set({
      worker: {
        kind: 'stopped',
        step: active === undefined ? undefined : useMetrics.getState().latest?.step,
        checkpoint: checkpointOf(active),
      },
    });
  },
  async restart() {
    const worker = get().worker;
    if (worker.kind !== 'stopped' && worker.kind !== 'failed') return;
    const { runId, status } = useTrain.getState();
    const phase = (text: string) => set({ worker: { kind: 'restarting', phase: text } });
    try {
      phase('starting a new worker');
      useLab.getState().reconnect();
      const lab = await until(
        useLab,
        (s) => s.backend !== undefined || s.error !== undefined,
        'the new worker’s handshake',
        RESTART_PHASE_MS,
      );
      if (lab.error !== undefined) throw new Error(lab.error);
      phase('reloading the dataset');
      // The reload settles when the dataset is in, or has failed (a dead worker fails it too).
      if (await useDataset.getState().reload()) {
        const data = useDataset.getState().status;
        if (data.kind === 'failed') throw new Error(data.message);
      }
      const checkpoint = status === 'idle' ? undefined : checkpointOf(runId);
      if (status === 'running' || status === 'starting') {
        if (checkpoint) {
          phase(`resuming from step ${checkpoint.step}`);
          useTrain.getState().resumeFrom(checkpoint);
        } else
          useTrain.setState({
            runId: undefined,
            status: 'idle',
            reason: {
              code: 'error',
              message: 'The run ended with the worker before its first checkpoint was saved: train it again.',
            },
          });
      } else if (status !== 'idle')
        // A paused or stopped run: the page offers "Resume from step N" rather than training unasked.
        useTrain.setState({ runId: undefined, status: 'idle', reason: null });
      set({ worker: { kind: 'ok' } });
    } catch (e) {
      set({ worker: { kind: 'failed', message: e instanceof Error ? e.message : String(e) } });
    }
  },
  onStorageFull(message) {
    set({ storageFull: message });
  },
  onSaved() {
    if (get().storageFull !== undefined) set({ storageFull: undefined });
  },
  dismissStorage() {
    set({ storageFull: undefined });
  },
}));
