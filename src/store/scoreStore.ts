/**
 * The sample-quality score of the current model: N samples against N held-out real images of the
 * loaded dataset, measured with a classifier the worker trains on that dataset (cached).
 */
import { create } from 'zustand';
import type { SampleScore } from '../quality/scoreTypes';
import { newRunId } from '../worker/client';
import type { WorkerEvent } from '../worker/protocol';
import { useConfig } from './configStore';
import { useLab } from './labStore';

export type ScoreStatus =
  | { kind: 'idle' }
  | { kind: 'running'; runId: string; phase: 'classifier' | 'sampling'; done: number; total: number }
  | { kind: 'done'; score: SampleScore; label: string; classifierCached: boolean; warnings: string[]; totalMs: number }
  | { kind: 'cancelled' }
  | { kind: 'error'; message: string };

type ScoreEvent = Extract<WorkerEvent, { type: 'scoreProgress' | 'scoreDone' }>;

/** Few DDIM steps: the score compares many images, and the timeline is not recorded here. */
const SCORE_DDIM_STEPS = 20;

interface ScoreState {
  status: ScoreStatus;
  /** Scores `num` samples (with the Sample tab's seed and clipping, DDIM 20 steps). */
  score(num: number): void;
  cancel(): void;
  onEvent(event: ScoreEvent): void;
  /** An error event of this store's run; returns false when the run is not ours. */
  onError(runId: string, code: string, message: string): boolean;
}

export const useScore = create<ScoreState>((set, get) => {
  const running = (runId: string) => {
    const s = get().status;
    return s.kind === 'running' && s.runId === runId ? s : undefined;
  };
  return {
    status: { kind: 'idle' },
    score(num) {
      const client = useLab.getState().client;
      if (!client || get().status.kind === 'running') return;
      const runId = newRunId();
      const { seed, clip } = useConfig.getState().valid.sampling;
      set({ status: { kind: 'running', runId, phase: 'classifier', done: 0, total: 1 } });
      client.send({
        type: 'score',
        runId,
        options: { num, seed, sampling: { sampler: 'ddim', numInferenceSteps: SCORE_DDIM_STEPS, eta: 0, clip } },
      });
    },
    cancel() {
      const s = get().status;
      if (s.kind === 'running') useLab.getState().client?.send({ type: 'cancel', runId: s.runId });
    },
    onEvent(event) {
      const run = running(event.runId);
      if (!run) return;
      if (event.type === 'scoreProgress') {
        set({ status: { ...run, phase: event.phase, done: event.done, total: event.total } });
        return;
      }
      const { score, label, classifierCached, warnings, totalMs } = event;
      set({ status: { kind: 'done', score, label, classifierCached, warnings, totalMs } });
    },
    onError(runId, code, message) {
      if (!running(runId)) return false;
      set({ status: code === 'cancelled' ? { kind: 'cancelled' } : { kind: 'error', message } });
      return true;
    },
  };
});
