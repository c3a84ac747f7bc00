/**
 * A stand-in for the worker client in store tests: records what the store sends and asks, and
 * lets the test answer each request (progress, result or error) as the worker would.
 */
import { RequestError, type LabClient, type RequestOptions, type RequestType } from '../worker/client';
import type { Command, ErrorCode, WorkerEvent } from '../worker/protocol';
import { useLab } from './labStore';

/** One request the store made, with the test's handles on its promise. */
export interface FakeRequest {
  command: { type: RequestType } & Record<string, unknown>;
  transfer: Transferable[];
  signal: AbortSignal | undefined;
  /** Delivers a progress event to the request's `onProgress`. */
  progress(event: WorkerEvent): void;
  /** Resolves the request with its result event. */
  resolve(event: WorkerEvent): Promise<void>;
  /** Rejects it as the worker's `error` event would (an aborted request waits for `cancelled`). */
  reject(code: ErrorCode | 'worker-stopped', message: string): Promise<void>;
}

/** Lets the store's `then` handlers run. */
const settled = () => new Promise<void>((r) => setTimeout(r, 0));

export function fakeClient(): { sent: Command[]; transfers: Transferable[][]; requests: FakeRequest[] } {
  const sent: Command[] = [];
  const transfers: Transferable[][] = [];
  const requests: FakeRequest[] = [];
  const client = {
    send: (cmd: Command, transfer: Transferable[] = []) => {
      sent.push(cmd);
      transfers.push(transfer);
    },
    request: (command: FakeRequest['command'], options: RequestOptions<RequestType> = {}) =>
      new Promise((resolve, reject) => {
        requests.push({
          command,
          transfer: options.transfer ?? [],
          signal: options.signal,
          progress: (event) => (options.onProgress as ((e: WorkerEvent) => void) | undefined)?.(event),
          resolve: (event) => (resolve(event), settled()),
          reject: (code, message) => (reject(new RequestError(code, message)), settled()),
        });
      }),
  };
  useLab.setState({ client: client as unknown as LabClient });
  return { sent, transfers, requests };
}
