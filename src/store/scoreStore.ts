/**
 * The sample-quality score of the current model: N samples against N held-out real images of the
 * loaded dataset, measured with a classifier the worker trains on that dataset (cached).
 */
import { create } from 'zustand';
import type { SampleScore } from '../quality/scoreTypes';
import { failedJob, type Job } from '../worker/client';
import { useConfig } from './configStore';
import { useLab } from './labStore';

/** The score's job: its phase while it runs, the numbers once done. */
export type ScoreStatus = Job<
  { phase: 'classifier' | 'sampling'; done: number; total: number },
  { score: SampleScore; label: string; classifierCached: boolean; warnings: string[]; totalMs: number }
>;

/** Few DDIM steps: the score compares many images, and the timeline is not recorded here. */
const SCORE_DDIM_STEPS = 20;

interface ScoreState {
  status: ScoreStatus;
  /** Scores `num` samples (with the Sample tab's seed and clipping, DDIM 20 steps). */
  score(num: number): Promise<void>;
  cancel(): void;
}

export const useScore = create<ScoreState>((set, get) => {
  let abort: AbortController | undefined;
  return {
    status: { kind: 'idle' },
    async score(num) {
      const client = useLab.getState().client;
      if (!client || get().status.kind === 'running') return;
      const { seed, clip } = useConfig.getState().valid.sampling;
      const controller = (abort = new AbortController());
      set({ status: { kind: 'running', phase: 'classifier', done: 0, total: 1 } });
      try {
        const { score, label, classifierCached, warnings, totalMs } = await client.request(
          {
            type: 'score',
            options: { num, seed, sampling: { sampler: 'ddim', numInferenceSteps: SCORE_DDIM_STEPS, eta: 0, clip } },
          },
          {
            signal: controller.signal,
            onProgress: ({ phase, done, total }) => set({ status: { kind: 'running', phase, done, total } }),
          },
        );
        set({ status: { kind: 'done', score, label, classifierCached, warnings, totalMs } });
      } catch (e) {
        set({ status: failedJob(e) });
      }
    },
    cancel() {
      abort?.abort();
    },
  };
});
