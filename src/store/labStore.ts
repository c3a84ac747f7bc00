/**
 * The lab's connection state: the worker client, the backend it reported, and the GPU check.
 * Components read slices of it; only worker events (through `events.ts`) and user actions write it.
 */
import { create } from 'zustand';
import { LabClient, failedJob, type Job, type Listener } from '../worker/client';
import {
  BACKENDS,
  parseBackendRequest,
  parseGpuFeaturesRequest,
  type BackendInfo,
  type BackendName,
  type WorkerEvent,
} from '../worker/protocol';

export type GpuCheck = Job<object, { gflops: number; ms: number; size: number }>;

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
   * ends unasked. `?backend=` picks the backend, `?gpu-features=subgroups,shader-f16` switches
   * optional WebGPU shader features on, `?faults` turns fault injection on (tests).
   */
  connect(search: string, listener: Listener, onExit: () => void): void;
  /** Replaces the worker with a fresh one, same URL options and listeners, and waits for its `ready` afresh. */
  reconnect(): void;
  /** The GPU was lost mid-run and training moved to `name`: the badge shows that and why. */
  onDeviceLost(name: string, why: string): void;
  runGpuCheck(): Promise<void>;
  onReady(event: Extract<WorkerEvent, { type: 'ready' }>): void;
  /** Shows an error of no request and no run: the worker's or the protocol's. */
  onError(message: string): void;
}

const isBackendName = (name: string): name is BackendName => (BACKENDS as readonly string[]).includes(name);

/** What `connect` was given, so that `reconnect` starts the same kind of worker. */
let connection: { search: string; listener: Listener; onExit: () => void } | undefined;

function startClient(): { client: LabClient; urlWarning: string | undefined } {
  if (!connection) throw new Error('reconnect before connect: the lab has no worker to replace');
  const { search, listener, onExit } = connection;
  const params = new URLSearchParams(search);
  const { backend, error } = parseBackendRequest(params.get('backend'));
  const features = parseGpuFeaturesRequest(params.get('gpu-features'));
  const client = new LabClient(backend, {
    faults: params.has('faults'),
    onExit,
    gpuFeatures: features.gpuFeatures,
  });
  client.subscribe(listener);
  const warnings = [error, features.error].filter((w) => w !== undefined);
  return { client, urlWarning: warnings.length > 0 ? warnings.join(' ') : undefined };
}

export const useLab = create<LabState>((set, get) => ({
  client: undefined,
  backend: undefined,
  error: undefined,
  urlWarning: undefined,
  gpuCheck: { kind: 'idle' },
  connect(search, listener, onExit) {
    if (get().client) return;
    connection = { search, listener, onExit };
    set(startClient());
  },
  reconnect() {
    get().client?.terminate();
    set({ ...startClient(), backend: undefined, error: undefined, gpuCheck: { kind: 'idle' } });
  },
  onDeviceLost(name, why) {
    const backend = get().backend;
    if (!backend || !isBackendName(name) || name === backend.name) return;
    set({ backend: { ...backend, name, adapter: undefined, fallbackReasons: [why, ...backend.fallbackReasons] } });
  },
  async runGpuCheck() {
    const { client, backend } = get();
    if (!client || !backend || get().gpuCheck.kind === 'running') return;
    set({ gpuCheck: { kind: 'running' } });
    try {
      const { gflops, ms, size } = await client.request({ type: 'gpuCheck', size: 512, iterations: 8 });
      set({ gpuCheck: { kind: 'done', gflops, ms, size } });
    } catch (e) {
      set({ gpuCheck: failedJob(e) });
    }
  },
  onReady(event) {
    set({ backend: event.backend, error: undefined });
  },
  onError(message) {
    set({ error: message });
  },
}));
