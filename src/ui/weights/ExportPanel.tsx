/** Where an export stands. */
export type ExportStatus =
  | { kind: 'idle' }
  | { kind: 'working'; what: string }
  | { kind: 'done'; fileName: string; bytes: number }
  | { kind: 'error'; message: string };

interface Props {
  /** Why nothing can be exported now (no model), or undefined. */
  blocked: string | undefined;
  /** Why the model cannot be a diffusers pipeline (the BatchNorm ablation), or undefined. */
  notDiffusers: string | undefined;
  status: ExportStatus;
  onPipeline(): void;
  onRun(): void;
}

/** Downloads: the diffusers pipeline zip, and the whole run (config, metrics CSV, weights, EMA). */
export function ExportPanel({ blocked, notDiffusers, status, onPipeline, onRun }: Props) {
  const busy = status.kind === 'working';
  return (
    <section className="panel" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <div className="row">
        <button type="button" onClick={onPipeline} disabled={busy || !!blocked || !!notDiffusers}>
          Export diffusers pipeline (.zip)
        </button>
        <button type="button" onClick={onRun} disabled={busy || !!blocked}>
          Export run
        </button>
      </div>
      <p className="hint">
        The pipeline zip (<code>model_index.json</code>, <code>unet/</code>, <code>scheduler/</code>) loads with{' '}
        <code>DDPMPipeline.from_pretrained</code> in diffusers. The run holds the config, the metrics as CSV, the
        weights and their EMA.
      </p>
      {blocked && <p className="hint">{blocked}</p>}
      {notDiffusers && <p className="warning">{notDiffusers}</p>}
      {status.kind === 'working' && <p aria-live="polite">Preparing {status.what}…</p>}
      {status.kind === 'done' && (
        <p aria-live="polite" data-testid="export-done">
          Saved {status.fileName} ({(status.bytes / 2 ** 20).toFixed(2)} MiB).
        </p>
      )}
      {status.kind === 'error' && (
        <p role="alert" className="error">
          {status.message}
        </p>
      )}
    </section>
  );
}
