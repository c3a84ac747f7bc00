/// <reference lib="webworker" />
/** Thin Worker entry: wires the engine to postMessage. All logic lives in engine.ts. */
import { initBackend } from './backend';
import { Engine } from './engine';
import { runGpuCheck } from './gpuCheck';
import type { Command, WorkerEvent } from './protocol';
import { IndexedDbClassifierCache } from '../quality/classifierCache';

declare const self: DedicatedWorkerGlobalScope;

const engine = new Engine((event: WorkerEvent, transfer?: Transferable[]) => self.postMessage(event, transfer ?? []), {
  initBackend,
  runGpuCheck,
  classifierCache: new IndexedDbClassifierCache(indexedDB),
});

self.onmessage = (e: MessageEvent<Command>) => {
  void engine.handle(e.data);
};
