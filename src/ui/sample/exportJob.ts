/**
 * Runs one timeline export in its own module worker (timelineExport.worker.ts), so encoding a long
 * GIF never blocks scrubbing: the page only copies one frame per task when the worker asks for it.
 */
import type { Timeline } from '../../store/timelineStore';
import {
  MAX_ANIMATION_FRAMES,
  STRIP_COLUMNS,
  type ExportKind,
  type FromExportWorker,
  type ToExportWorker,
} from './exportMessages';
import { evenFrames } from '../../sampling/timelineImages';

export class ExportCancelled extends Error {
  constructor() {
    super('export cancelled');
  }
}

export interface ExportJob {
  /** The encoded file, or a rejection (an `ExportCancelled` after `cancel`). */
  result: Promise<Uint8Array>;
  cancel(): void;
}

/** Starts exporting `tl` (the followed sample, or the whole batch for null) as `kind`. */
export function startExport(
  kind: ExportKind,
  tl: Timeline,
  sample: number | null,
  onProgress: (done: number, total: number) => void,
): ExportJob {
  const picks = evenFrames(tl.frames.length, kind === 'strip' ? STRIP_COLUMNS : MAX_ANIMATION_FRAMES);
  const worker = new Worker(new URL('./timelineExport.worker.ts', import.meta.url), {
    type: 'module',
    name: 'timeline export',
  });
  const send = (m: ToExportWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
  let settle: { resolve(b: Uint8Array): void; reject(e: Error): void } | undefined;
  const result = new Promise<Uint8Array>((resolve, reject) => (settle = { resolve, reject }));
  const finish = (outcome: Uint8Array | Error) => {
    worker.terminate();
    if (outcome instanceof Error) settle?.reject(outcome);
    else settle?.resolve(outcome);
    settle = undefined;
  };
  let sent = 0;
  worker.onmessage = (e: MessageEvent<FromExportWorker>) => {
    const m = e.data;
    if (m.type === 'next') {
      const f = picks[sent++];
      // Copies of exactly the frame's bytes, transferred: the timeline keeps its own.
      const xt = tl.xt[f].slice();
      const x0 = tl.x0[f].slice();
      send({ type: 'frame', xt, x0 }, [xt.buffer, x0.buffer]);
    } else if (m.type === 'progress') onProgress(m.done, m.total);
    else if (m.type === 'done') finish(m.bytes);
    else finish(new Error(m.message));
  };
  worker.onerror = (e) => finish(new Error(`the export worker failed: ${e.message}`));
  const { numImages, height, width, channels } = tl;
  send({ type: 'start', kind, shape: { numImages, height, width, channels }, sample, frames: picks.length });
  return { result, cancel: () => finish(new ExportCancelled()) };
}
