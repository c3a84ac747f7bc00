import { useId, type ChangeEvent } from 'react';
import type { RunImport } from '../../store/runImportStore';

interface Props {
  status: RunImport;
  onFile(file: File): void;
}

/** Brings an Export run zip back: its checkpoint becomes the run's latest, resumable on the Train tab. */
export function RunImportPanel({ status, onFile }: Props) {
  const id = useId();
  const pick = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) onFile(file);
    e.target.value = '';
  };
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Import run</h2>
      <div className="row">
        <label htmlFor={`${id}-file`}>Run zip</label>
        <input
          id={`${id}-file`}
          data-testid="import-run"
          type="file"
          accept=".zip"
          disabled={status.kind === 'running'}
          onChange={pick}
        />
      </div>
      <p className="hint">
        A zip from <strong>Export run</strong> (here or in another browser): its checkpoint is stored as after
        an autosave, the run’s config is applied, and the Train tab offers to resume it exactly where it was
        exported. Refused while a run is training or paused.
      </p>
      {status.kind === 'running' && <p aria-live="polite">Reading {status.name}…</p>}
      {status.kind === 'done' && (
        <p aria-live="polite" data-testid="run-import-done">
          Imported run {status.checkpoint.runId.slice(0, 8)} at step {status.checkpoint.step}: on the Train
          tab, Resume from step {status.checkpoint.step}.
        </p>
      )}
      {status.kind === 'done' && status.dataset && <p className="warning">{status.dataset}</p>}
      {status.kind === 'failed' && (
        <p role="alert" className="error" data-testid="run-import-error">
          {status.message}
        </p>
      )}
    </section>
  );
}
