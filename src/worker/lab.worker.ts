/// <reference lib="webworker" />
/** Thin Worker entry: wires the engine to postMessage. All logic lives in engine.ts. */
import { browserDecodeImage } from '../data/browserDecode';
import { installFastCpuKernels } from '../training/cpuKernels';
import { IdbCheckpointStore } from '../training/idbCheckpointStore';
import { initBackend } from './backend';
import { recoverFromDeviceLoss, watchDeviceLoss } from './deviceLoss';
import { Engine } from './engine';
import { runGpuCheck } from './gpuCheck';
import type { Command, WorkerEvent } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

// The CPU fallback trains too; tfjs' own CPU filter-gradient and slice kernels are far too slow for it.
installFastCpuKernels();

const engine = new Engine((event: WorkerEvent, transfer?: Transferable[]) => self.postMessage(event, transfer ?? []), {
  initBackend: async (requested) => {
    const info = await initBackend(requested);
    watchDeviceLoss();
    return info;
  },
  runGpuCheck,
  training: { store: new IdbCheckpointStore(), recoverFromDeviceLoss },
  datasets: { decodeImage: browserDecodeImage },
});

self.onmessage = (e: MessageEvent<Command>) => {
  void engine.handle(e.data);
};
