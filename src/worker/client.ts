/**
 * The UI side of the worker bridge: starts the module worker, performs the versioned handshake,
 * and notices when the worker ends without being asked to. Requests (`request`) get a promise
 * each: progress events go to their `onProgress`, the result resolves it, an `error` rejects it
 * with a {@link RequestError}, and an `AbortSignal` cancels it. Everything else the worker sends
 * (the handshake, the training run's stream, errors of no request) goes to the listeners.
 */
import { workerName } from './faults';
import {
  PROTOCOL_VERSION,
  RESULT_OF,
  type BackendRequest,
  type Command,
  type ErrorCode,
  type RequestCommand,
  type WorkerEvent,
  type GpuFeatureSwitches,
} from './protocol';

export type Listener = (event: WorkerEvent) => void;

/** The commands answered by a result: every request but `cancel`. */
export type RequestType = keyof typeof RESULT_OF;
type WithoutId<C> = C extends unknown ? Omit<C, 'requestId'> : never;
/** What a store sends: a request command without its id (the client picks one). */
export type RequestBody = WithoutId<Extract<RequestCommand, { type: RequestType }>>;
/** The event a request resolves with. */
export type ResultOf<T extends RequestType> = Extract<WorkerEvent, { type: (typeof RESULT_OF)[T] }>;
/** The events of a request before its result (`sampleProgress`, `sampleFrames`, `scoreProgress`, `datasetProgress`). */
export type ProgressOf<T extends RequestType> = Extract<WorkerEvent, { type: ProgressTypes[T] }>;

interface ProgressTypes {
  gpuCheck: never;
  sample: 'sampleProgress' | 'sampleFrames';
  score: 'scoreProgress';
  importModel: never;
  exportPipeline: never;
  loadDataset: 'datasetProgress';
  previewDataset: never;
  exportRun: never;
  importRun: never;
}

export interface RequestOptions<T extends RequestType> {
  /**
   * Aborting sends `cancel` (sample and score stop at their next step); the promise rejects with
   * `cancelled` once the worker has answered, so a new request never finds the worker still busy.
   */
  signal?: AbortSignal;
  onProgress?: (event: ProgressOf<T>) => void;
  /** Buffers moved to the worker instead of copied. */
  transfer?: Transferable[];
}

/** Why a request failed: the worker's error code and message, `cancelled`, or `worker-stopped`. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly code: ErrorCode | 'worker-stopped',
    message: string,
  ) {
    super(message);
  }
}

/** What a request in flight in a dead worker fails with. */
export const WORKER_STOPPED = 'The lab worker stopped before this finished: Restart it and try again.';

/**
 * The state of one kind of request a store makes, the same shape in every store: running with its
 * progress, done with its result, cancelled, or failed with the worker's message.
 */
export type Job<Progress extends object = object, Result extends object = object> =
  | { kind: 'idle' }
  | ({ kind: 'running' } & Progress)
  | ({ kind: 'done' } & Result)
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string };

/** The job a failed request leaves: cancelled when it was, else failed with the message. */
export function failedJob(e: unknown): { kind: 'cancelled' } | { kind: 'failed'; message: string } {
  if (e instanceof RequestError && e.code === 'cancelled') return { kind: 'cancelled' };
  return { kind: 'failed', message: e instanceof Error ? e.message : String(e) };
}

interface Pending {
  result: WorkerEvent['type'];
  /** The caller aborted: whatever the worker answers now settles it as cancelled. */
  aborted: boolean;
  resolve(event: WorkerEvent): void;
  reject(error: RequestError): void;
  progress?(event: WorkerEvent): void;
}

/** The part of the Web Locks API the exit watch uses. */
export type Locks = Pick<LockManager, 'request'>;

/**
 * Learns that a worker has ended from the Web Lock it holds for its lifetime: the page queues a
 * request for the same lock, which is granted only when the worker is gone. A worker busy in a
 * long step still holds its lock, so a slow step never looks like a crash.
 */
export class ExitWatch {
  private readonly cancelled = new AbortController();
  private started = false;

  constructor(
    private readonly locks: Locks,
    private readonly lock: string,
    private readonly onExit: () => void,
  ) {}

  /** Starts waiting; call once the worker holds its lock (after its first message). Idempotent. */
  start(): void {
    if (this.started || this.cancelled.signal.aborted) return;
    this.started = true;
    this.locks
      .request(this.lock, { signal: this.cancelled.signal }, () => undefined)
      .then(
        () => {
          if (!this.cancelled.signal.aborted) this.onExit();
        },
        // Aborted by cancel(): the page ended the worker itself.
        () => undefined,
      );
  }

  /** The worker is being ended on purpose: never report it. */
  cancel(): void {
    this.cancelled.abort();
  }
}

export interface ClientOptions {
  /** Fault injection in the worker (`?faults`; see faults.ts). */
  faults?: boolean;
  /** Optional WebGPU shader features to switch on (`?gpu-features=`). */
  gpuFeatures?: GpuFeatureSwitches;
  /** Called once if the worker ends without {@link LabClient.terminate}: a crash, self.close(), a killed tab process. */
  onExit?: () => void;
}

export class LabClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<Listener>();
  private readonly pending = new Map<string, Pending>();
  private readonly exit: ExitWatch | undefined;

  constructor(backend: BackendRequest, options: ClientOptions = {}) {
    const lock = `diffusion-lab-worker-${crypto.randomUUID()}`;
    // Web Locks exist only in secure contexts (https, localhost); elsewhere a dead worker goes unnoticed.
    const locks = navigator.locks as LockManager | undefined;
    this.exit =
      locks &&
      new ExitWatch(locks, lock, () => {
        this.failAll(new RequestError('worker-stopped', WORKER_STOPPED));
        options.onExit?.();
      });
    this.worker = new Worker(new URL('./lab.worker.ts', import.meta.url), {
      type: 'module',
      name: workerName({ lock, faults: options.faults ?? false }),
    });
    this.worker.onmessage = (e: MessageEvent<WorkerEvent>) => {
      this.exit?.start();
      this.receive(e.data);
    };
    this.worker.onerror = (e: ErrorEvent) =>
      this.listeners.forEach((l) =>
        l({
          type: 'error',
          code: 'internal',
          message: `The lab worker failed: ${e.message || 'unknown error'}`,
        }),
      );
    this.send({
      type: 'init',
      protocolVersion: PROTOCOL_VERSION,
      backend,
      ...(options.gpuFeatures ? { gpuFeatures: options.gpuFeatures } : {}),
    });
  }

  /** Sends a command no promise waits on: the training run's controls, listing checkpoints. */
  send(cmd: Command, transfer: Transferable[] = []): void {
    this.worker.postMessage(cmd, transfer);
  }

  /** Sends a request and resolves with its result event; rejects with a {@link RequestError}. */
  request<C extends RequestBody, T extends RequestType = C['type']>(
    command: C,
    options: RequestOptions<T> = {},
  ): Promise<ResultOf<T>> {
    const { signal, onProgress, transfer = [] } = options;
    const requestId = newRequestId();
    return new Promise<ResultOf<T>>((resolve, reject) => {
      if (signal?.aborted) return reject(new RequestError('cancelled', `${command.type} cancelled`));
      const abort = () => {
        const pending = this.pending.get(requestId);
        if (!pending) return;
        pending.aborted = true;
        this.send({ type: 'cancel', requestId });
      };
      signal?.addEventListener('abort', abort, { once: true });
      const settle = () => signal?.removeEventListener('abort', abort);
      this.pending.set(requestId, {
        result: RESULT_OF[command.type],
        aborted: false,
        resolve: (event) => {
          settle();
          resolve(event as ResultOf<T>);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        progress: onProgress && ((event) => onProgress(event as ProgressOf<T>)),
      });
      this.send({ ...command, requestId } as RequestCommand, transfer);
    });
  }

  /** A request's events settle or inform it; events of no (or a forgotten) request go to the listeners. */
  private receive(event: WorkerEvent): void {
    const requestId = 'requestId' in event ? event.requestId : undefined;
    if (requestId === undefined) {
      this.listeners.forEach((l) => l(event));
      return;
    }
    const pending = this.pending.get(requestId);
    // A request that already failed with its worker: nobody waits for its events any more.
    if (!pending) return;
    const ends = event.type === 'error' || event.type === pending.result;
    if (ends) this.pending.delete(requestId);
    if (pending.aborted) {
      if (ends) pending.reject(new RequestError('cancelled', event.type === 'error' ? event.message : 'cancelled'));
    } else if (event.type === 'error') pending.reject(new RequestError(event.code, event.message));
    else if (ends) pending.resolve(event);
    else pending.progress?.(event);
  }

  private failAll(error: RequestError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    all.forEach((p) => p.reject(error));
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the worker on purpose (a restart): requests in flight fail as a stopped worker's do. */
  terminate(): void {
    this.exit?.cancel();
    this.worker.terminate();
    this.failAll(new RequestError('worker-stopped', WORKER_STOPPED));
  }
}

/** A fresh id for a training run, so events of a run the page no longer tracks can be dropped. */
export function newRunId(): string {
  return crypto.randomUUID();
}

function newRequestId(): string {
  return crypto.randomUUID();
}
