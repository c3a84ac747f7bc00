/**
 * The lab's connection state: the worker client, the backend it reported, and the GPU check.
 * Components read slices of it; only worker events and user actions write it.
 */
import { create } from 'zustand';
import { LabClient, newRunId } from '../worker/client';
import { parseBackendRequest, type BackendInfo, type WorkerEvent } from '../worker/protocol';

export type GpuCheck =
  | { status: 'idle' }
  | { status: 'running'; runId: string }
  | { status: 'done'; gflops: number; ms: number; size: number }
  | { status: 'failed'; message: string };

interface LabState {
  client: LabClient | undefined;
  backend: BackendInfo | undefined;
  /** A worker or protocol error that is not tied to a run. */
  error: string | undefined;
  /** A problem with the URL the page was opened with. */
  urlWarning: string | undefined;
  gpuCheck: GpuCheck;
  connect(search: string): void;
  runGpuCheck(): void;
}

export const useLab = create<LabState>((set, get) => {
  const onEvent = (event: WorkerEvent): void => {
    switch (event.type) {
      case 'ready':
        set({ backend: event.backend, error: undefined });
        return;
      case 'gpuCheckResult': {
        const check = get().gpuCheck;
        if (check.status !== 'running' || check.runId !== event.runId) return;
        set({ gpuCheck: { status: 'done', gflops: event.gflops, ms: event.ms, size: event.size } });
        return;
      }
      case 'error': {
        const check = get().gpuCheck;
        if (event.runId && check.status === 'running' && check.runId === event.runId) {
          set({ gpuCheck: { status: 'failed', message: event.message } });
        } else {
          set({ error: event.message });
        }
        return;
      }
    }
  };
  return {
    client: undefined,
    backend: undefined,
    error: undefined,
    urlWarning: undefined,
    gpuCheck: { status: 'idle' },
    connect(search) {
      if (get().client) return;
      const { backend, error } = parseBackendRequest(new URLSearchParams(search).get('backend'));
      const client = new LabClient(backend);
      client.subscribe(onEvent);
      set({ client, urlWarning: error });
    },
    runGpuCheck() {
      const { client, backend } = get();
      if (!client || !backend) return;
      const runId = newRunId();
      set({ gpuCheck: { status: 'running', runId } });
      client.send({ type: 'gpuCheck', runId, size: 512, iterations: 8 });
    },
  };
});
