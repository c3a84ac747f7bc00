/**
 * The UI side of the worker bridge: starts the module worker, performs the versioned handshake,
 * fans events out to listeners, and notices when the worker ends without being asked to.
 * One listener set per client, never one per click.
 */
import { workerName } from './faults';
import { PROTOCOL_VERSION, type BackendRequest, type Command, type WorkerEvent } from './protocol';

export type Listener = (event: WorkerEvent) => void;

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
  /** Called once if the worker ends without {@link LabClient.terminate}: a crash, self.close(), a killed tab process. */
  onExit?: () => void;
}

export class LabClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<Listener>();
  private readonly exit: ExitWatch | undefined;

  constructor(backend: BackendRequest, options: ClientOptions = {}) {
    const lock = `diffusion-lab-worker-${crypto.randomUUID()}`;
    // Web Locks exist only in secure contexts (https, localhost); elsewhere a dead worker goes unnoticed.
    const locks = navigator.locks as LockManager | undefined;
    this.exit = locks && new ExitWatch(locks, lock, () => options.onExit?.());
    this.worker = new Worker(new URL('./lab.worker.ts', import.meta.url), {
      type: 'module',
      name: workerName({ lock, faults: options.faults ?? false }),
    });
    this.worker.onmessage = (e: MessageEvent<WorkerEvent>) => {
      this.exit?.start();
      this.listeners.forEach((l) => l(e.data));
    };
    this.worker.onerror = (e: ErrorEvent) =>
      this.listeners.forEach((l) =>
        l({
          type: 'error',
          code: 'internal',
          message: `The lab worker failed: ${e.message || 'unknown error'}`,
        }),
      );
    this.send({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend });
  }

  send(cmd: Command, transfer: Transferable[] = []): void {
    this.worker.postMessage(cmd, transfer);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  terminate(): void {
    this.exit?.cancel();
    this.worker.terminate();
  }
}

/** A fresh id for a run, so events of cancelled runs can be told apart and dropped. */
export function newRunId(): string {
  return crypto.randomUUID();
}
