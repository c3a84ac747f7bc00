/// <reference lib="webworker" />
/** Thin Worker entry: wires the engine to postMessage. All logic lives in engine.ts. */
import * as tf from '@tensorflow/tfjs';
import { browserDecodeImage } from '../data/browserDecode';
import { installFastCpuKernels } from '../training/cpuKernels';
import { IdbCheckpointStore } from '../training/idbCheckpointStore';
import { initBackend } from './backend';
import { destroyDevice, recoverFromDeviceLoss, watchDeviceLoss } from './deviceLoss';
import { Engine } from './engine';
import { LabFaults, parseWorkerName } from './faults';
import { runGpuCheck } from './gpuCheck';
import type { Command, WorkerEvent } from './protocol';
import { IndexedDbClassifierCache } from '../quality/classifierCache';

declare const self: DedicatedWorkerGlobalScope & { __labFaults?: LabFaults };

// The CPU fallback trains too; tfjs' own CPU Slice copies element by element.
installFastCpuKernels();

const identity = parseWorkerName(self.name);

// Held until this worker ends, however it ends (crash, self.close(), terminate): the page waits on
// the same lock and is granted it the moment the worker is gone. No command runs before it is held,
// so the page's first answer proves the lock is taken. (No Web Locks outside secure contexts: then
// the page cannot tell, and does not watch.)
const locks = navigator.locks as LockManager | undefined;
const alive =
  identity && locks
    ? new Promise<void>((held) => {
        void locks.request(identity.lock, () => {
          held();
          return new Promise<never>(() => {});
        });
      })
    : Promise.resolve();

const faults = identity?.faults
  ? new LabFaults({
      loseDevice: destroyDevice,
      poisonWeights: () => {
        const weights = Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
        for (const v of weights) tf.tidy(() => v.assign(tf.fill(v.shape, NaN)));
        return weights.length;
      },
    })
  : undefined;
if (faults) self.__labFaults = faults;

const engine = new Engine(
  (event: WorkerEvent, transfer?: Transferable[]) => self.postMessage(event, transfer ?? []),
  {
    initBackend: async (requested, gpuFeatures) => {
      const info = await initBackend(requested, gpuFeatures);
      watchDeviceLoss();
      return info;
    },
    runGpuCheck,
    training: {
      store: new IdbCheckpointStore(faults),
      recoverFromDeviceLoss,
      // Fault mode runs its armed faults at a step boundary (no compiled step in flight).
      ...(faults && { atStepBoundary: faults }),
    },
    datasets: { decodeImage: browserDecodeImage },
    classifierCache: new IndexedDbClassifierCache(),
  },
);

self.onmessage = (e: MessageEvent<Command>) => {
  // Chained on one promise, so commands still run in the order they came.
  void alive.then(() => engine.handle(e.data));
};
