/**
 * The typed message protocol between the UI (main thread) and the lab worker.
 *
 * Commands are verbs the UI sends; events are nouns the worker sends back. Both are discriminated
 * unions on `type`, so a `switch` with `assertNever` catches a forgotten case at compile time.
 * The protocol version is checked once, in the `init` → `ready` handshake: a UI and a worker from
 * different builds (a stale cached worker) fail loudly instead of misreading each other.
 * Work that streams (training, sampling, benchmarks) carries a `runId`, so the UI can drop events
 * of a run it has cancelled.
 */

export const PROTOCOL_VERSION = 1;

/** Compute backends the lab can run on, in order of preference. */
export const BACKENDS = ['webgpu', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

/** What the worker found when it chose a backend. */
export interface BackendInfo {
  /** The backend tfjs really uses (`tf.getBackend()` after `tf.ready()`). */
  name: BackendName;
  requested: BackendRequest;
  /** WebGPU adapter facts, when the backend is WebGPU. */
  adapter?: AdapterInfo;
  /** Why a preferred backend was not used, one line per backend tried and rejected. */
  fallbackReasons: string[];
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
}

export type Command =
  | { type: 'init'; protocolVersion: number; backend: BackendRequest }
  | { type: 'gpuCheck'; runId: string; size: number; iterations: number };

export type WorkerEvent =
  | { type: 'ready'; protocolVersion: number; backend: BackendInfo }
  | {
      type: 'gpuCheckResult';
      runId: string;
      size: number;
      iterations: number;
      ms: number;
      gflops: number;
    }
  | { type: 'error'; runId?: string; code: ErrorCode; message: string };

export type ErrorCode = 'protocol-version' | 'not-initialised' | 'bad-command' | 'backend' | 'internal';

/** Compile-time exhaustiveness check for `switch` statements over the unions above. */
export function assertNever(x: never): never {
  throw new Error(`unhandled message: ${JSON.stringify(x)}`);
}

/** Parses a `?backend=` value; anything else is reported, not guessed. */
export function parseBackendRequest(value: string | null): { backend: BackendRequest; error?: string } {
  if (value === null || value === '' || value === 'auto') return { backend: 'auto' };
  if ((BACKENDS as readonly string[]).includes(value)) return { backend: value as BackendName };
  return {
    backend: 'auto',
    error: `Unknown backend "${value}" in the URL: use one of ${BACKENDS.join(', ')} or auto.`,
  };
}
