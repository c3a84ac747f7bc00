/**
 * The one listener on the worker: every event goes to the slice that owns it. Run-tagged errors go
 * to the slice that started the run; an error nobody owns is shown as the lab's error.
 */
import { assertNever, type WorkerEvent } from '../worker/protocol';
import { useDataset } from './datasetStore';
import { useHealth } from './healthStore';
import { useLab } from './labStore';
import { useRunImport } from './runImportStore';
import { useSample } from './sampleStore';
import { useScore } from './scoreStore';
import { useTrain } from './trainStore';
import { useWeights } from './weightsStore';

/** What a run still in flight in a dead worker shows. */
export const WORKER_STOPPED_RUN = 'The lab worker stopped before this finished: Restart it and try again.';

/** The worker ended unasked: every piece of work in flight in it fails, and the page offers Restart. */
export function routeWorkerExit(): void {
  useHealth.getState().onWorkerExit();
  const { importStatus, exportStatus } = useWeights.getState();
  const inFlight = [
    useSample.getState().status,
    useScore.getState().status,
    useDataset.getState().status,
    useTrain.getState().runExport,
    useRunImport.getState().status,
    importStatus,
    exportStatus,
  ].flatMap((s) => (s.kind === 'running' || s.kind === 'working' || s.kind === 'loading' ? [s.runId] : []));
  for (const runId of inFlight)
    routeEvent({ type: 'error', runId, code: 'internal', message: WORKER_STOPPED_RUN });
}

export function routeEvent(event: WorkerEvent): void {
  switch (event.type) {
    case 'ready':
      useLab.getState().onEvent(event);
      // A reload offers to resume the newest saved run.
      useTrain.getState().listCheckpoints();
      return;
    case 'gpuCheckResult':
      useLab.getState().onEvent(event);
      return;
    case 'sampleProgress':
    case 'sampleFrames':
    case 'sampleDone':
      useSample.getState().onEvent(event);
      return;
    case 'scoreProgress':
    case 'scoreDone':
      useScore.getState().onEvent(event);
      return;
    case 'modelLoaded':
    case 'exportReady':
      useWeights.getState().onEvent(event);
      return;
    case 'datasetProgress':
    case 'datasetLoaded':
    case 'datasetPreview':
      useDataset.getState().onEvent(event);
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
    case 'runExported':
      useTrain.getState().onEvent(event);
      return;
    case 'runImported':
      useRunImport.getState().onEvent(event);
      return;
    case 'error': {
      const { runId, code, message } = event;
      // A full storage during an autosave is the banner's; during an import, the import's.
      if (code === 'storage-full' && !useRunImport.getState().owns(runId)) {
        useHealth.getState().onStorageFull(message);
        return;
      }
      const owners = [
        (id: string) => useSample.getState().onError(id, code, message),
        (id: string) => useScore.getState().onError(id, code, message),
        (id: string) => useWeights.getState().onError(id, message),
        (id: string) => useRunImport.getState().onError(id, message),
        (id: string) => useDataset.getState().onError(id, message),
        (id: string) => useTrain.getState().onError(id, message),
      ];
      if (runId !== undefined && owners.some((owns) => owns(runId))) return;
      useLab.getState().onError(runId, message);
      return;
    }
    default:
      assertNever(event);
  }
}
