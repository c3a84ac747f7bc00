/**
 * The lab's connection state: the worker client, the backend it reported, and the GPU check.
 * Components read slices of it; only worker events (through `events.ts`) and user actions write it.
 */
import { create } from 'zustand';
import { LabClient, newRunId, type Listener } from '../worker/client';
import { BACKENDS, parseBackendRequest, type BackendInfo, type BackendName, type WorkerEvent } from '../worker/protocol';

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
  /**
   * Starts the worker once; `listener` receives every event it sends and `onExit` hears if it
   * ends unasked. `?backend=` picks the backend, `?faults` turns fault injection on (tests).
   */
  connect(search: string, listener: Listener, onExit: () => void): void;
  /** Replaces the worker with a fresh one, same URL options and listeners, and waits for its `ready` afresh. */
  reconnect(): void;
  /** The GPU was lost mid-run and training moved to `name`: the badge shows that and why. */
  onDeviceLost(name: string, why: string): void;
  runGpuCheck(): void;
  onEvent(event: Extract<WorkerEvent, { type: 'ready' | 'gpuCheckResult' }>): void;
  /** Shows an error: the GPU check's when it is its run, else as the lab's error. */
  onError(runId: string | undefined, message: string): void;
}

const isBackendName = (name: string): name is BackendName => (BACKENDS as readonly string[]).includes(name);

/** What `connect` was given, so that `reconnect` starts the same kind of worker. */
let connection: { search: string; listener: Listener; onExit: () => void } | undefined;

function startClient(): { client: LabClient; urlWarning: string | undefined } {
  if (!connection) throw new Error('reconnect before connect: the lab has no worker to replace');
  const { search, listener, onExit } = connection;
  const params = new URLSearchParams(search);
  const { backend, error } = parseBackendRequest(params.get('backend'));
  const client = new LabClient(backend, { faults: params.has('faults'), onExit });
  client.subscribe(listener);
  return { client, urlWarning: error };
}

export const useLab = create<LabState>((set, get) => ({
  client: undefined,
  backend: undefined,
  error: undefined,
  urlWarning: undefined,
  gpuCheck: { status: 'idle' },
  connect(search, listener, onExit) {
    if (get().client) return;
    connection = { search, listener, onExit };
    set(startClient());
  },
  reconnect() {
    get().client?.terminate();
    set({ ...startClient(), backend: undefined, error: undefined, gpuCheck: { status: 'idle' } });
  },
  onDeviceLost(name, why) {
    const backend = get().backend;
    if (!backend || !isBackendName(name) || name === backend.name) return;
    set({ backend: { ...backend, name, adapter: undefined, fallbackReasons: [why, ...backend.fallbackReasons] } });
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
