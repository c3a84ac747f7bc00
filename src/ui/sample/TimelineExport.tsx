import { useState } from 'react';
import { timelineFile, useCursor, useTimeline, type TimelineFormat } from '../../store/timelineStore';
import { downloadBytes } from '../download';

const BUTTONS: [TimelineFormat, string][] = [
  ['gif', 'GIF'],
  ['apng', 'APNG'],
  ['strip', 'PNG strip'],
];

/** Exports the timeline (of the followed sample, or of the whole batch) as GIF, APNG or a PNG strip. */
export function TimelineExport() {
  const tl = useTimeline((s) => s.timeline);
  const followed = useCursor((s) => s.followed);
  const [error, setError] = useState<string>();
  if (!tl || tl.frames.length === 0) return null;
  const save = (format: TimelineFormat) => {
    try {
      setError(undefined);
      const { bytes, name, mime } = timelineFile(tl, followed, format);
      downloadBytes(bytes, name, mime);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div className="row" role="group" aria-label="Export the timeline">
      <span>Export {followed === null ? 'the batch' : `sample ${followed + 1}`}:</span>
      {BUTTONS.map(([format, label]) => (
        <button key={format} type="button" onClick={() => save(format)}>
          {label}
        </button>
      ))}
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}
