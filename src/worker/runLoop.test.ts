import { RUN_AHEAD } from '../training/trainer';
import { aheadOf, PREVIEW_EVERY_MS, type QueueView } from './runLoop';

/** A running run at `step` of 100, previews every 50 steps, autosave every 60 s, nothing waiting. */
function view(step: number, changes: Partial<QueueView> = {}): QueueView {
  return {
    atBoundary: [],
    request: null,
    lastPreviewMs: 0,
    lastSaveMs: 0,
    targetStep: 100,
    trainer: { step },
    config: { training: { previewEverySteps: 50, checkpointEverySec: 60 } },
    ...changes,
  };
}

describe('how far the step loop queues compiled steps ahead', () => {
  it('runs ahead by RUN_AHEAD while nothing needs the state', () => {
    expect(RUN_AHEAD).toBeGreaterThan(0);
    expect(aheadOf(view(10), 1000)).toBe(RUN_AHEAD);
  });

  it('never queues past the target or the next preview step', () => {
    expect(aheadOf(view(98), 0)).toBe(1); // steps 99 and 100
    expect(aheadOf(view(99), 0)).toBe(0);
    expect(aheadOf(view(48), 0)).toBe(1); // preview at 50
    expect(aheadOf(view(49), 0)).toBe(0);
    expect(aheadOf(view(50), 0)).toBe(RUN_AHEAD);
  });

  it('queues nothing further while a request, boundary work, a preview or a save waits', () => {
    expect(aheadOf(view(10, { request: 'pause' }), 0)).toBe(0);
    expect(aheadOf(view(10, { atBoundary: [async () => {}] }), 0)).toBe(0);
    expect(aheadOf(view(10), PREVIEW_EVERY_MS)).toBe(0);
    expect(aheadOf(view(10, { lastPreviewMs: 59_999 }), 60_000)).toBe(0); // the autosave is due
    const noPreviews = view(10, { config: { training: { previewEverySteps: 0, checkpointEverySec: 0 } } });
    expect(aheadOf(noPreviews, 10 ** 9)).toBe(RUN_AHEAD);
  });
});
