/**
 * The lab's connection state: the worker client, the backend it reported, and the GPU check.
 * Components read slices of it; only worker events (through `events.ts`) and user actions write it.
 */
import { create } from 'zustand';
import { LabClient, newRunId, type Listener } from '../worker/client';
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
  /** Starts the worker once; `listener` receives every event it sends. */
  connect(search: string, listener: Listener): void;
  runGpuCheck(): void;
  onEvent(event: Extract<WorkerEvent, { type: 'ready' | 'gpuCheckResult' }>): void;
  /** Shows an error: the GPU check's when it is its run, else as the lab's error. */
  onError(runId: string | undefined, message: string): void;
}

export const useLab = create<LabState>((set, get) => ({
  client: undefined,
  backend: undefined,
  error: undefined,
  urlWarning: undefined,
  gpuCheck: { status: 'idle' },
  connect(search, listener) {
    if (get().client) return;
    const { backend, error } = parseBackendRequest(new URLSearchParams(search).get('backend'));
    const client = new LabClient(backend);
    client.subscribe(listener);
    set({ client, urlWarning: error });
  },
  runGpuCheck() {
    const { client, backend } = get();
    if (!client || !backend) return;
    const runId = newRunId();
    set({ gpuCheck: { status: 'running', runId } });
    client.send({ type: 'gpuCheck', runId, size: 512, iterations: 8 });
  },
  onEvent(event) {
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
    }
  },
  onError(runId, message) {
    const check = get().gpuCheck;
    if (runId && check.status === 'running' && check.runId === runId)
      set({ gpuCheck: { status: 'failed', message } });
    else set({ error: message });
  },
}));
