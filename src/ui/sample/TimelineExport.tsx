import { useEffect, useRef, useState } from 'react';
import { useCursor, useTimeline } from '../../store/timelineStore';
import { downloadBytes } from '../download';
import { ProgressBar } from '../ProgressBar';
import { ExportCancelled, startExport, type ExportJob } from './exportJob';
import type { ExportKind } from './exportMessages';

const FORMATS: readonly { kind: ExportKind; label: string; file: (what: string) => string; mime: string }[] =
  [
    { kind: 'gif', label: 'GIF', file: (w) => `timeline-${w}.gif`, mime: 'image/gif' },
    { kind: 'apng', label: 'APNG', file: (w) => `timeline-${w}.png`, mime: 'image/apng' },
    { kind: 'strip', label: 'PNG strip', file: (w) => `strip-${w}.png`, mime: 'image/png' },
  ];

type Status =
  | { kind: 'idle' }
  | { kind: 'working'; label: string; done: number; total: number }
  | { kind: 'cancelled' }
  | { kind: 'error'; message: string };

/**
 * Exports the timeline (of the followed sample, or of the whole batch) as GIF, APNG or a PNG strip,
 * encoded in a worker with a progress bar and Cancel, so scrubbing stays smooth meanwhile.
 */
export function TimelineExport() {
  const tl = useTimeline((s) => s.timeline);
  const followed = useCursor((s) => s.followed);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const job = useRef<ExportJob>(undefined);
  // Leaving the tab stops an export nobody would see finish.
  useEffect(() => () => job.current?.cancel(), []);
  if (!tl || tl.frames.length === 0) return null;
  const what = followed === null ? 'batch' : `sample-${followed + 1}`;
  const run = (f: (typeof FORMATS)[number]) => {
    const started = startExport(f.kind, tl, followed, (done, total) =>
      setStatus({ kind: 'working', label: f.label, done, total }),
    );
    job.current = started;
    setStatus({ kind: 'working', label: f.label, done: 0, total: 1 });
    started.result.then(
      (bytes) => {
        downloadBytes(bytes, f.file(what), f.mime);
        setStatus({ kind: 'idle' });
      },
      (err: unknown) =>
        setStatus(
          err instanceof ExportCancelled
            ? { kind: 'cancelled' }
            : { kind: 'error', message: err instanceof Error ? err.message : String(err) },
        ),
    );
  };
  const busy = status.kind === 'working';
  return (
    <div className="row" role="group" aria-label="Export the timeline" data-testid="timeline-export">
      <span>Export {followed === null ? 'the batch' : `sample ${followed + 1}`}:</span>
      {FORMATS.map((f) => (
        <button key={f.kind} type="button" onClick={() => run(f)} disabled={busy}>
          {f.label}
        </button>
      ))}
      {status.kind === 'working' && (
        <span className="export-progress">
          <ProgressBar
            label={`Encoding the ${status.label}`}
            testId="export-progress"
            value={status.done}
            max={status.total}
            text={`encoding ${status.label}: ${Math.round((100 * status.done) / status.total)} %`}
          />
          <button type="button" onClick={() => job.current?.cancel()}>
            Cancel export
          </button>
        </span>
      )}
      {status.kind === 'cancelled' && <span className="hint">Export cancelled.</span>}
      {status.kind === 'error' && (
        <span role="alert" className="error">
          {status.message}
        </span>
      )}
    </div>
  );
}
