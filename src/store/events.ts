/**
 * The one listener on the worker: every event goes to the slice that owns it. Run-tagged errors go
 * to the slice that started the run; an error nobody owns is shown as the lab's error.
 */
import { assertNever, type WorkerEvent } from '../worker/protocol';
import { useLab } from './labStore';
import { useSample } from './sampleStore';
import { useWeights } from './weightsStore';

export function routeEvent(event: WorkerEvent): void {
  switch (event.type) {
    case 'ready':
    case 'gpuCheckResult':
      useLab.getState().onEvent(event);
      return;
    case 'sampleProgress':
    case 'sampleFrames':
    case 'sampleDone':
      useSample.getState().onEvent(event);
      return;
    case 'modelLoaded':
    case 'exportReady':
      useWeights.getState().onEvent(event);
      return;
    case 'error': {
      const { runId, code, message } = event;
      if (
        runId !== undefined &&
        (useSample.getState().onError(runId, code, message) || useWeights.getState().onError(runId, message))
      )
        return;
      useLab.getState().onError(runId, message);
      return;
    }
    default:
      assertNever(event);
  }
}
