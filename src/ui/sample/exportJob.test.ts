import { encodeGif } from '../../io/gif';
import { encodePng } from '../../io/png';
import type { Timeline } from '../../store/timelineStore';
import { ExportCancelled, startExport } from './exportJob';
import { EXPORT_DELAY_MS, MAX_ANIMATION_FRAMES, STRIP_COLUMNS } from './exportMessages';
import { animationFrames, stripImage } from '../../sampling/timelineImages';

/**
 * The export worker's own module, run in this process: `self` is a stand-in whose messages go to
 * the one FakeWorker the page side made, and the FakeWorker's go to the module's `onmessage`, each
 * in a later microtask, as a real worker's would arrive in a later task.
 */
type Listener = ((e: { data: unknown }) => void) | null;
const scope: { onmessage: Listener; postMessage(m: unknown): void } = {
  onmessage: null,
  postMessage: (m) =>
    queueMicrotask(() => {
      const w = current();
      if (w && !w.terminated) w.onmessage?.({ data: m });
    }),
};
/** The FakeWorker made last (the page side makes one per export). */
const made: FakeWorker[] = [];
const current = () => made.at(-1);
/** Messages the worker module received, by type. */
const received: string[] = [];

class FakeWorker {
  onmessage: Listener = null;
  onerror: Listener = null;
  terminated = false;
  constructor() {
    made.push(this);
  }
  postMessage(m: { type: string }) {
    queueMicrotask(() => {
      if (this.terminated) return;
      received.push(m.type);
      scope.onmessage?.({ data: m });
    });
  }
  terminate() {
    this.terminated = true;
  }
}

beforeAll(async () => {
  vi.stubGlobal('self', scope);
  vi.stubGlobal('Worker', FakeWorker);
  await import('./timelineExport.worker');
});
afterAll(() => vi.unstubAllGlobals());
beforeEach(() => (received.length = 0));

/** `frames` recorded frames of 3 RGB 4×4 samples, every byte different from frame to frame. */
function timeline(frames: number): Timeline {
  const bytes = (f: number, kind: number) =>
    Uint8Array.from({ length: 3 * 4 * 4 * 3 }, (_, i) => (i * 7 + f * 13 + kind * 101) % 256);
  return {
    requestId: 'r',
    numImages: 3,
    height: 4,
    width: 4,
    channels: 3,
    totalSteps: frames,
    stride: 1,
    frames: Array.from({ length: frames }, (_, f) => ({ step: f, t: frames - f, alphaBar: 0.5, sigma: 0.1 })),
    xt: Array.from({ length: frames }, (_, f) => bytes(f, 0)),
    x0: Array.from({ length: frames }, (_, f) => bytes(f, 1)),
    eps: Array.from({ length: frames }, (_, f) => bytes(f, 2)),
  };
}

describe('timeline export in a worker', () => {
  it('encodes the GIF the page would, from at most 120 frames sent one per request, with progress to the end', async () => {
    const tl = timeline(150);
    const progress: number[] = [];
    const bytes = await startExport('gif', tl, 1, (done, total) => progress.push(done / total)).result;
    const expected = encodeGif(animationFrames(tl, 1, MAX_ANIMATION_FRAMES), { delaysMs: EXPORT_DELAY_MS });
    expect(bytes).toEqual(expected);
    expect(received.filter((t) => t === 'frame')).toHaveLength(MAX_ANIMATION_FRAMES);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true);
    expect(current()?.terminated).toBe(true);
  });

  it('encodes the PNG strip of the whole batch', async () => {
    const tl = timeline(30);
    const bytes = await startExport('strip', tl, null, () => undefined).result;
    expect(bytes).toEqual(encodePng(stripImage(tl, null, STRIP_COLUMNS)));
  });

  it('stops at Cancel: the result is an ExportCancelled and the worker gets nothing more', async () => {
    const tl = timeline(60);
    const job: ReturnType<typeof startExport> = startExport('apng', tl, 0, (done) => {
      if (done === 5) job.cancel();
    });
    await expect(job.result).rejects.toBeInstanceOf(ExportCancelled);
    await new Promise((r) => setTimeout(r, 10));
    expect(received.filter((t) => t === 'frame')).toHaveLength(5);
  });
});
