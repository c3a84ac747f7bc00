import type { RunExport } from '../../store/trainStore';
import type { ExportStatus } from '../../store/weightsStore';

interface Props {
  /** Why nothing can be exported now (no model), or undefined. */
  blocked: string | undefined;
  /** Why the model cannot be a diffusers pipeline (the BatchNorm ablation), or undefined. */
  notDiffusers: string | undefined;
  status: ExportStatus;
  runStatus: RunExport;
  onPipeline(): void;
  /** Exports the whole run; absent while no training run exists. */
  onRun?: () => void;
  /** Exports the run as a diffusers + accelerate project; absent while no training run exists. */
  onPytorch?: () => void;
}

/** Downloads: the diffusers pipeline zip, and the whole run (config, metrics CSV, weights, EMA). */
export function ExportPanel({
  blocked,
  notDiffusers,
  status,
  runStatus,
  onPipeline,
  onRun,
  onPytorch,
}: Props) {
  const busy = status.kind === 'running';
  return (
    <section className="panel" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={onPipeline}
          disabled={busy || !!blocked || !!notDiffusers}
        >
          Export diffusers pipeline (.zip)
        </button>
        {onRun && (
          <button type="button" onClick={onRun} disabled={runStatus.kind === 'running'}>
            Export run
          </button>
        )}
        {onPytorch && (
          <button
            type="button"
            onClick={onPytorch}
            disabled={runStatus.kind === 'running' || !!notDiffusers}
            data-testid="export-pytorch"
          >
            Export for PyTorch
          </button>
        )}
      </div>
      <p className="hint">
        The pipeline zip (<code>model_index.json</code>, <code>unet/</code>, <code>scheduler/</code>) loads
        with <code>DDPMPipeline.from_pretrained</code> in diffusers; for a trained run it holds the EMA
        weights, as the paper samples (the raw ones when EMA was off), whatever the Sample tab’s Weights
        choice. The run zip holds <code>run.json</code> (the config), <code>metrics.csv</code> (one row per
        step; loss per t on the last row) and a checkpoint with the weights, their EMA and the optimiser
        state. Export for PyTorch zips a folder that continues this run on your own GPUs with diffusers and
        accelerate: <code>train.py</code>, a README with the exact commands (<code>pip install</code>,{' '}
        <code>accelerate config</code>, <code>accelerate launch</code>), the weights, EMA and Adam moments in
        PyTorch’s layout, and the training images (CIFAR-10 is read from its official archive).
      </p>
      {blocked && <p className="hint">{blocked}</p>}
      {notDiffusers && <p className="warning">{notDiffusers}</p>}
      {status.kind === 'running' && <p aria-live="polite">Preparing {status.what}…</p>}
      {status.kind === 'done' && (
        <p aria-live="polite" data-testid="export-done">
          Saved {status.fileName} ({(status.bytes / 2 ** 20).toFixed(2)} MiB).
        </p>
      )}
      {runStatus.kind === 'running' && (
        <p aria-live="polite">
          Preparing the {runStatus.format === 'pytorch' ? 'PyTorch project' : 'run export'}…
        </p>
      )}
      {runStatus.kind === 'done' && <p aria-live="polite">Saved {runStatus.fileName}.</p>}
      {runStatus.kind === 'failed' && (
        <p role="alert" className="error">
          {runStatus.message}
        </p>
      )}
      {status.kind === 'failed' && (
        <p role="alert" className="error">
          {status.message}
        </p>
      )}
    </section>
  );
}
