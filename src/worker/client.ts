/**
 * The UI side of the worker bridge: starts the module worker, performs the versioned handshake,
 * and fans events out to listeners. One listener set per client, never one per click.
 */
import { PROTOCOL_VERSION, type BackendRequest, type Command, type WorkerEvent } from './protocol';

export type Listener = (event: WorkerEvent) => void;

export class LabClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<Listener>();

  constructor(backend: BackendRequest) {
    this.worker = new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module', name: 'lab' });
    this.worker.onmessage = (e: MessageEvent<WorkerEvent>) => this.listeners.forEach((l) => l(e.data));
    this.worker.onerror = (e: ErrorEvent) =>
      this.listeners.forEach((l) =>
        l({ type: 'error', code: 'internal', message: `The lab worker failed: ${e.message || 'unknown error'}` }),
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
    this.worker.terminate();
  }
}

/** A fresh id for a run, so events of cancelled runs can be told apart and dropped. */
export function newRunId(): string {
  return crypto.randomUUID();
}
