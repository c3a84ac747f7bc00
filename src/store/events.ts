/**
 * The one listener on the worker, for what is not the answer to a request (requests settle their
 * own promises through `LabClient.request`): the handshake, the training run's stream, the
 * current model when training changes it, and errors of the training run or of no request.
 */
import { assertNever, type WorkerEvent } from '../worker/protocol';
import { useHealth } from './healthStore';
import { useLab } from './labStore';
import { useTrain } from './trainStore';
import { useWeights } from './weightsStore';

/** The worker ended unasked: the page offers Restart (requests in flight already failed with it). */
export function routeWorkerExit(): void {
  useHealth.getState().onWorkerExit();
}

export function routeEvent(event: WorkerEvent): void {
  switch (event.type) {
    case 'ready':
      useLab.getState().onReady(event);
      // A reload offers to resume the newest saved run.
      useTrain.getState().listCheckpoints();
      return;
    case 'modelLoaded':
      useWeights.getState().onModel(event.model);
      return;
    case 'trainState':
      // A lost GPU moved training to the fallback backend: the badge says which and why.
      if (event.reason?.code === 'device-lost')
        useLab.getState().onDeviceLost(event.backend, event.reason.message);
      useTrain.getState().onEvent(event);
      return;
    case 'checkpointSaved':
      useHealth.getState().onSaved();
      useTrain.getState().onEvent(event);
      return;
    case 'trainProgress':
    case 'trainHistory':
    case 'trainPreview':
    case 'checkpoints':
      useTrain.getState().onEvent(event);
      return;
    case 'error': {
      const { runId, code, message } = event;
      // An autosave that did not fit: the banner says so, and training goes on.
      if (code === 'storage-full') useHealth.getState().onStorageFull(message);
      else if (runId !== undefined && runId === useTrain.getState().runId) useTrain.getState().onError(runId, message);
      else useLab.getState().onError(message);
      return;
    }
    // Answers to requests: the client hands them to the promise that asked.
    case 'gpuCheckResult':
    case 'sampleProgress':
    case 'sampleFrames':
    case 'sampleDone':
    case 'scoreProgress':
    case 'scoreDone':
    case 'exportReady':
    case 'datasetProgress':
    case 'datasetLoaded':
    case 'datasetPreview':
    case 'runExported':
    case 'runImported':
      return;
    default:
      assertNever(event);
  }
}
