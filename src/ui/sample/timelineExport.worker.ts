/**
 * The timeline export off the main thread: receives the frames an export shows (one per message,
 * asked for with `next`), tiles them as the Sample tab shows them, and encodes a GIF, an APNG or a
 * PNG strip, reporting progress per frame. Cancelling is the page terminating this worker.
 */
import { encodeApng } from '../../io/apng';
import { encodeGif } from '../../io/gif';
import { encodePng } from '../../io/png';
import type { Timeline } from '../../store/timelineStore';
import {
  EXPORT_DELAY_MS,
  MAX_ANIMATION_FRAMES,
  STRIP_COLUMNS,
  type FromExportWorker,
  type ToExportWorker,
} from './exportMessages';
import { animationFrames, stripImage } from '../../sampling/timelineImages';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<ToExportWorker>) => void) | null;
  postMessage(message: FromExportWorker, transfer?: Transferable[]): void;
};
const post = (m: FromExportWorker, transfer?: Transferable[]) => scope.postMessage(m, transfer);

let job:
  { start: Extract<ToExportWorker, { type: 'start' }>; xt: Uint8Array[]; x0: Uint8Array[] } | undefined;

scope.onmessage = (e) => {
  const m = e.data;
  try {
    if (m.type === 'start') {
      job = { start: m, xt: [], x0: [] };
      post({ type: 'next' });
      return;
    }
    if (!job) throw new Error('export worker: a frame came before start');
    job.xt.push(m.xt);
    job.x0.push(m.x0);
    const n = job.start.frames;
    // Receiving is the first half of the bar, encoding the second (a strip encodes in one go).
    const total = 2 * n;
    post({ type: 'progress', done: job.xt.length, total });
    if (job.xt.length < n) {
      post({ type: 'next' });
      return;
    }
    // A timeline of just the frames sent: the image helpers pick every one of them.
    const tl: Timeline = {
      ...job.start.shape,
      requestId: 'export',
      totalSteps: n,
      stride: 1,
      frames: job.xt.map((_, step) => ({ step, t: 0, alphaBar: 0, sigma: 0 })),
      xt: job.xt,
      x0: job.x0,
      eps: [],
    };
    const { kind, sample } = job.start;
    const onFrame = (done: number) => post({ type: 'progress', done: n + done, total });
    const bytes =
      kind === 'strip'
        ? encodePng(stripImage(tl, sample, STRIP_COLUMNS))
        : (kind === 'gif' ? encodeGif : encodeApng)(animationFrames(tl, sample, MAX_ANIMATION_FRAMES), {
            delaysMs: EXPORT_DELAY_MS,
            onFrame,
          });
    job = undefined;
    post({ type: 'done', bytes }, [bytes.buffer]);
  } catch (err) {
    job = undefined;
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
